// layout.hpp (host fake) — the fake machine's limits, as the core sees them.
#pragma once

#define TESSERA_MAX_CORES 8
