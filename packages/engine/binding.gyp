{
  "targets": [
    {
      "target_name": "fhenet_tfhe",
      # Every .cc of native/{commons,entities,algorithms,bindings} (scripts/native-sources.cjs, the
      # list the sanitizer build also uses).
      "sources": ["<!@(node scripts/native-sources.cjs engine bindings)"],
      "actions": [
        {
          # The security rule's constants, from its one source in @fhenet/params.
          "action_name": "security_rule",
          "inputs": [
            "scripts/gen-security-rule.cjs",
            "<!(node -p \"require.resolve('@fhenet/params/security-rule.json')\")"
          ],
          "outputs": ["<(SHARED_INTERMEDIATE_DIR)/fhenet/commons/security_rule.h"],
          "action": ["node", "scripts/gen-security-rule.cjs", "<@(_outputs)"]
        }
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native",
        "<(SHARED_INTERMEDIATE_DIR)/fhenet"
      ],
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
