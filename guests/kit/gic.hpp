// gic.hpp — the guest kit's GICv3 driver: enough for interrupts, timers and IPIs in test guests.
#pragma once

#include "types.hpp"

namespace kit::gic {

using tessera::u32;
using tessera::u64;

/// Enables the distributor (affinity routing, group 1). Once per VM.
void init_distributor();
/// Wakes this vCPU's redistributor and enables its CPU interface.
void init_cpu(unsigned vcpu);
/// Enables interrupt `intid` with `priority`; SPIs are routed to vCPU `vcpu`.
void enable(u32 intid, unsigned vcpu, tessera::u8 priority = 0x80);
/// Makes SPI `intid` pending by software (GICD_ISPENDR).
void pend_spi(u32 intid);
/// Acknowledges the highest-priority pending interrupt; 1023 if none.
u32 ack();
/// Ends interrupt `intid`.
void end(u32 intid);
/// Sends SGI `intid` to vCPU `vcpu` (Aff0).
void send_sgi(u32 intid, unsigned vcpu);
/// Unmasks IRQs on this vCPU.
inline void irq_on() { asm volatile("msr daifclr, #2" ::: "memory"); }
/// Masks IRQs on this vCPU.
inline void irq_off() { asm volatile("msr daifset, #2" ::: "memory"); }

/// Sleeps (WFI) until `done()` holds; IRQs are on when it returns. They are
/// masked from each look to its WFI, which still wakes on a pending one, and
/// taken after it: with them on, the interrupt that makes `done()` true could
/// be taken between the look and the WFI, and the WFI sleep on for ever.
template <class Done> void sleep_until(Done done) {
    for (;;) {
        irq_off();
        if (done()) break;
        asm volatile("wfi");
        irq_on();
        asm volatile("isb"); // (the pending interrupt is taken here, before the next look masks it)
    }
    irq_on();
}

} // namespace kit::gic
