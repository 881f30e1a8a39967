// Client key generation: uniform binary LWE and GLWE keys from the OS-seeded CSPRNG.
#pragma once
#include <memory>

#include "entities/client_key.h"

namespace fhe {

std::unique_ptr<ClientKey> generate_client_key(const Params& params);

}  // namespace fhe
