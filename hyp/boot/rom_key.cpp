// rom_key.cpp — the trusted public key, compiled in (or none: a development hypervisor).
#include "rom_key.hpp"

namespace tessera {

#ifdef TESSERA_ROM_KEY_INC
const bool g_rom_key_present = true;
const u8 g_rom_key[sysimg::P256_POINT] = {
#include TESSERA_ROM_KEY_INC
};
#else
const bool g_rom_key_present = false;
const u8 g_rom_key[sysimg::P256_POINT] = {};
#endif

} // namespace tessera
