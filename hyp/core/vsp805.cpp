// vsp805.cpp — the virtual SP805 watchdog's registers, computed from the system counter.
#include "vsp805.hpp"

#include "arch.hpp"
#include "vm.hpp"
#include "vm_health.hpp"

namespace tessera {

namespace {

constexpr u64 LOAD = 0x000, VALUE = 0x004, CONTROL = 0x008, INTCLR = 0x00c, RIS = 0x010, MIS = 0x014;
constexpr u64 LOCK = 0xc00, PERIPH_ID = 0xfe0;
constexpr u32 INTEN = 1u << 0, RESEN = 1u << 1;
constexpr u32 UNLOCK_KEY = 0x1acc'e551;
/// PeriphID0-3 (part 0x805, designer Arm, revision 0) and the PrimeCell ID, which the AMBA bus matches.
constexpr u8 ID_BYTES[8] = {0x05, 0x18, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

/// Clocks of one count: LOAD + 1, one per microsecond.
u64 count_us(const Vsp805& w) { return u64{w.load} + 1; }

/// Microseconds into the present pair of counts (the first raises the interrupt, the second resets).
u64 elapsed_us(const Vsp805& w) { return arch::now_us() - w.count_from_us; }

bool interrupt_raised(const Vsp805& w) { return (w.control & INTEN) != 0 && elapsed_us(w) >= count_us(w); }

/// A count starts again; the deadline moves and the VM's scheduler hears of it (lock held).
void restart_count(Vm& vm, Vsp805& w) {
    w.count_from_us = arch::now_us();
    const bool armed = (w.control & (INTEN | RESEN)) == (INTEN | RESEN);
    w.deadline.store(armed ? arch::us_to_ticks(w.count_from_us + 2 * count_us(w)) : ~0ull, std::memory_order_release);
    vm_health_changed(vm);
}

} // namespace

void vsp805_reset(Vsp805& w) {
    LockGuard guard(w.lock);
    w.load = 0xffff'ffff;
    w.control = 0;
    w.locked = false;
    w.count_from_us = 0;
    w.deadline.store(~0ull, std::memory_order_release);
}

bool vsp805_access(Vcpu& v, u64 offset, unsigned size, bool write, u64& value) {
    if (size != 4) return false;
    Vm& vm = *v.vm;
    Vsp805& w = vm.watchdog;
    LockGuard guard(w.lock);
    if (!write) {
        switch (offset) {
        case LOAD: value = w.load; break;
        case VALUE: {
            if ((w.control & INTEN) == 0) {
                value = w.load;
                break;
            }
            const u64 into = elapsed_us(w) % count_us(w);
            value = w.load - into;
            break;
        }
        case CONTROL: value = w.control; break;
        case RIS:
        case MIS: value = interrupt_raised(w) ? 1 : 0; break;
        case LOCK: value = w.locked ? 1 : 0; break;
        default:
            value = offset >= PERIPH_ID && offset < PERIPH_ID + 32 && offset % 4 == 0
                        ? ID_BYTES[(offset - PERIPH_ID) / 4]
                        : 0;
            break;
        }
        return true;
    }
    const u32 data = static_cast<u32>(value);
    if (offset == LOCK) {
        w.locked = data != UNLOCK_KEY;
        return true;
    }
    if (w.locked) return true; // the lock keeps a runaway write from stopping it
    switch (offset) {
    case LOAD:
        w.load = data;
        restart_count(vm, w);
        break;
    case CONTROL: {
        const bool starting = (w.control & INTEN) == 0 && (data & INTEN) != 0;
        w.control = data & (INTEN | RESEN);
        if (starting || (w.control & INTEN) == 0 || (w.control & RESEN) == 0) {
            restart_count(vm, w);
        } else {
            // RESEN set on a running count: the reset comes at the next zero
            // with the interrupt raised (after the first count, at the next one).
            const u64 counts = elapsed_us(w) / count_us(w);
            const u64 zero = w.count_from_us + (counts == 0 ? 2 : counts + 1) * count_us(w);
            w.deadline.store(arch::us_to_ticks(zero), std::memory_order_release);
            vm_health_changed(vm);
        }
        break;
    }
    case INTCLR: restart_count(vm, w); break;
    default:
        break; // read-only registers ignore writes, as the hardware does; ITCR/ITOP (integration test) are not modelled
    }
    return true;
}

} // namespace tessera
