{
  "targets": [
    {
      "target_name": "fhenet_tfhe",
      "sources": [
        "native/csprng.cc",
        "native/kernels.cc",
        "native/fft.cc",
        "native/lwe.cc",
        "native/keyswitch.cc",
        "native/bootstrap.cc",
        "native/pbs.cc",
        "native/wop.cc",
        "native/thread_pool.cc",
        "native/serialize.cc",
        "native/tfhers_aes.cc",
        "native/tfhers_csprng.cc",
        "native/tfhers_format.cc",
        "native/tfhers_keys.cc",
        "native/addon.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17", "-std=gnu++20", "-O2", "-O0"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-pthread", "-Wall", "-Wno-unused-function"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3"]
      }
    }
  ]
}
