#include "commons/csprng.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/random.h>

namespace fhe {

ChaChaKey os_random_key() {
  ChaChaKey k;
  size_t got = 0;
  while (got < sizeof k.bytes) {
    ssize_t r = getrandom(k.bytes + got, sizeof k.bytes - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    got += size_t(r);
  }
  if (got < sizeof k.bytes) {
    FILE* f = std::fopen("/dev/urandom", "rb");
    FHE_CHECK(f != nullptr, "cannot seed the CSPRNG: getrandom failed and /dev/urandom is unavailable");
    size_t r = std::fread(k.bytes, 1, sizeof k.bytes, f);
    std::fclose(f);
    FHE_CHECK(r == sizeof k.bytes, "cannot seed the CSPRNG: short read from /dev/urandom");
  }
  return k;
}

static inline u32 rotl(u32 x, int n) { return (x << n) | (x >> (32 - n)); }
#define QR(a, b, c, d)                                   \
  a += b; d ^= a; d = rotl(d, 16);                       \
  c += d; b ^= c; b = rotl(b, 12);                       \
  a += b; d ^= a; d = rotl(d, 8);                        \
  c += d; b ^= c; b = rotl(b, 7);

ChaCha20Stream::ChaCha20Stream(const ChaChaKey& key, StreamDomain domain, u64 index) {
  state_[0] = 0x61707865; state_[1] = 0x3320646e; state_[2] = 0x79622d32; state_[3] = 0x6b206574;
  for (int i = 0; i < 8; ++i) {
    u32 w;
    std::memcpy(&w, key.bytes + 4 * i, 4);
    state_[4 + i] = w;
  }
  state_[12] = 0;  // block counter: 2^32 blocks = 256 GiB per stream
  // Nonce = (domain, index): distinct streams never overlap under one key.
  state_[13] = static_cast<u32>(domain);
  state_[14] = static_cast<u32>(index);
  state_[15] = static_cast<u32>(index >> 32);
}

ChaCha20Stream::~ChaCha20Stream() {
  // Do not leave key material or keystream (which may have become secret-key bits) behind.
  volatile u32* s = state_;
  for (int i = 0; i < 16; ++i) s[i] = 0;
  volatile u32* b = buf_;
  for (int i = 0; i < 16; ++i) b[i] = 0;
}

void ChaCha20Stream::refill() {
  FHE_CHECK(state_[12] != 0xffffffffu, "ChaCha20 stream exhausted (2^32 blocks)");
  u32 x[16];
  for (int i = 0; i < 16; ++i) x[i] = state_[i];
  for (int i = 0; i < 10; ++i) {
    QR(x[0], x[4], x[8], x[12]); QR(x[1], x[5], x[9], x[13]);
    QR(x[2], x[6], x[10], x[14]); QR(x[3], x[7], x[11], x[15]);
    QR(x[0], x[5], x[10], x[15]); QR(x[1], x[6], x[11], x[12]);
    QR(x[2], x[7], x[8], x[13]); QR(x[3], x[4], x[9], x[14]);
  }
  for (int i = 0; i < 16; ++i) buf_[i] = x[i] + state_[i];
  state_[12]++;
  pos_ = 0;
}

}  // namespace fhe
