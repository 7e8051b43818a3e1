// version.hpp — the hypervisor's release version.
#pragma once

#define TESSERA_VERSION "0.1.0"
