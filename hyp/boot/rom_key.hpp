// rom_key.hpp — the public key a secured boot trusts, built into the hypervisor's own image (its ROM).
//
// A hypervisor built with a key (TESSERA_ROM_KEY_INC: the uncompressed P-256
// point as a C initializer, `tessera rom-key`) boots only images signed with
// it. One built without boots unsigned images, and says on every boot that
// it is for development only.
#pragma once

#include "manifest.hpp"

namespace tessera {

/// Whether this hypervisor has a key, and the key.
extern const bool g_rom_key_present;
extern const u8 g_rom_key[sysimg::P256_POINT];

} // namespace tessera
