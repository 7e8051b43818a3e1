// no_system.cpp — the generic hypervisor image: no system linked in; `tessera build` packs one after it.
#include "system_desc.hpp"

namespace tessera {
constinit const SystemDesc g_system{nullptr, 0};
} // namespace tessera
