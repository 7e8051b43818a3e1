// gic.cpp — the guest kit's GICv3 driver (memory-mapped distributor/redistributor, system-register CPU interface).
#include "gic.hpp"

#include "vplatform.hpp"

namespace kit::gic {

namespace {
using tessera::vplat::GICD;
using tessera::vplat::GICR;
using tessera::vplat::GICR_STRIDE;
constexpr u64 SGI_BASE = tessera::vplat::GICR_SGI_BASE;

volatile u32& r32(u64 a) { return *reinterpret_cast<volatile u32*>(a); }
volatile u64& r64(u64 a) { return *reinterpret_cast<volatile u64*>(a); }
u64 rd(unsigned vcpu) { return GICR + u64{vcpu} * GICR_STRIDE; }
} // namespace

void init_distributor() { r32(GICD) = (1u << 4) | (1u << 1); } // ARE, EnableGrp1

void init_cpu(unsigned vcpu) {
    r32(rd(vcpu) + 0x14) = r32(rd(vcpu) + 0x14) & ~2u; // WAKER.ProcessorSleep = 0
    while (r32(rd(vcpu) + 0x14) & 4u) {}
    u64 sre;
    asm volatile("mrs %0, icc_sre_el1" : "=r"(sre));
    asm volatile("msr icc_sre_el1, %0; isb" ::"r"(sre | 1));
    asm volatile("msr icc_pmr_el1, %0" ::"r"(0xffull));
    asm volatile("msr icc_igrpen1_el1, %0; isb" ::"r"(1ull));
}

void enable(u32 intid, unsigned vcpu, tessera::u8 priority) {
    const u32 bit = 1u << (intid % 32);
    // Group 1, the group init_cpu() enables (a GIC without a hypervisor
    // resets interrupts to group 0).
    if (intid < 32) {
        r32(rd(vcpu) + SGI_BASE + 0x80) = r32(rd(vcpu) + SGI_BASE + 0x80) | bit;
        *reinterpret_cast<volatile tessera::u8*>(rd(vcpu) + SGI_BASE + 0x400 + intid) = priority;
        r32(rd(vcpu) + SGI_BASE + 0x100) = bit;
        return;
    }
    r32(GICD + 0x80 + 4ull * (intid / 32)) = r32(GICD + 0x80 + 4ull * (intid / 32)) | bit;
    *reinterpret_cast<volatile tessera::u8*>(GICD + 0x400 + intid) = priority;
    r64(GICD + 0x6000 + 8ull * intid) = vcpu;
    r32(GICD + 0x100 + 4ull * (intid / 32)) = bit;
}

void pend_spi(u32 intid) { r32(GICD + 0x200 + 4ull * (intid / 32)) = 1u << (intid % 32); }

u32 ack() {
    u64 v;
    asm volatile("mrs %0, icc_iar1_el1" : "=r"(v));
    return static_cast<u32>(v & 0xffffff);
}

void end(u32 intid) { asm volatile("msr icc_eoir1_el1, %0; isb" ::"r"(static_cast<u64>(intid))); }

void send_sgi(u32 intid, unsigned vcpu) {
    const u64 v = (static_cast<u64>(intid) << 24) | (1ull << vcpu);
    asm volatile("msr icc_sgi1r_el1, %0; isb" ::"r"(v));
}

} // namespace kit::gic
