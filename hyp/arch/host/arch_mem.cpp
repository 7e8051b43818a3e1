// arch_mem.cpp (host fake) — fake physical RAM backed by an aligned host allocation.
#include "arch_mem.hpp"

#include <cstdio>
#include <cstdlib>

namespace tessera::arch {

namespace {
u8* g_ram = nullptr;
PhysAddr g_base{};
u64 g_size = 0;
} // namespace

void fake_ram_init(PhysAddr base, u64 size) {
    std::free(g_ram);
    g_ram = static_cast<u8*>(std::aligned_alloc(PAGE_SIZE, size));
    g_base = base;
    g_size = size;
}

void* phys_to_ptr(PhysAddr pa) {
    if (pa < g_base || pa - g_base >= g_size) {
        std::fprintf(stderr, "fake arch: physical address %#llx outside fake RAM\n",
                     static_cast<unsigned long long>(pa.raw()));
        std::abort();
    }
    return g_ram + (pa - g_base);
}

} // namespace tessera::arch
