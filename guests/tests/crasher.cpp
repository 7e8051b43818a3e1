// crasher.cpp — fails on purpose, as CRASH_MODE says; its failure policy restarts it (tests/system/ha.py).
//
// Every run first checks that nothing of the run before survived in its RAM
// (a restart scrubs it), then leaves a secret there and fails:
//   CRASH_FAULT (guest_crasher): a fault it cannot take (no usable vector, then a foreign read);
//   CRASH_EXIT (guest_flaky):    exits with code 3;
//   CRASH_HANG (guest_hang):     starts its watchdog (50 ms), kicks it 5 times, then hangs
//                                with interrupts masked — only the watchdog notices.
#include "kit.hpp"
#include "watchdog.hpp"

using tessera::u64;

namespace {

#define CRASH_FAULT 0
#define CRASH_EXIT 1
#define CRASH_HANG 2

/// Secrets left in RAM: below the stack, away from the image; and, for
/// guest_crasher (given 4 MiB or more), in a 2 MiB piece of RAM nothing else
/// touches, which a lazy scrub fills only when this first touches it
/// (ram_fill.hpp). The next run looks for both.
constexpr u64 SECRETS_AT[] = {0x4010'0000, 0x4030'0000};
constexpr unsigned SECRET_COUNT = CRASH_MODE == CRASH_FAULT ? 2 : 1;
constexpr u64 SECRET_WORDS = 512;
constexpr u64 SECRET = 0x5345'4352'4554'2121; // "SECRET!!"

volatile u64* secret(unsigned k) { return reinterpret_cast<volatile u64*>(SECRETS_AT[k]); }

} // namespace

int main() {
    for (unsigned k = 0; k < SECRET_COUNT; ++k) {
        for (u64 i = 0; i < SECRET_WORDS; ++i) {
            if (secret(k)[i] != 0) {
                kit::print("LEAK: word %llu of the last run's secret at %#llx is still in RAM\n",
                           static_cast<unsigned long long>(i), static_cast<unsigned long long>(SECRETS_AT[k]));
                kit::poweroff(); // a clean end: no restart hides it
            }
        }
    }
    for (unsigned k = 0; k < SECRET_COUNT; ++k) {
        for (u64 i = 0; i < SECRET_WORDS; ++i) secret(k)[i] = SECRET ^ i;
    }
    if (CRASH_MODE == CRASH_EXIT) return 3;
    if (CRASH_MODE == CRASH_HANG) {
        kit::watchdog::start(50);
        for (int i = 0; i < 5; ++i) {
            for (const u64 t = kit::counter(); kit::counter() - t < kit::counter_frequency() / 100;) {}
            kit::watchdog::kick();
        }
        kit::print("hanging with interrupts masked, %llu us left on the watchdog\n",
                   static_cast<unsigned long long>(kit::watchdog::time_left_us()));
        asm volatile("msr daifset, #0xf");
        for (;;) {}
    }
    // The top of the kit's RAM window, past this VM's RAM (under 1 GiB): nowhere to take the abort.
    asm volatile("msr vbar_el1, %0; isb" ::"r"(0x7fff'0000ull));
    const u64 v = *reinterpret_cast<volatile u64*>(0x7fff'0000ull);
    kit::print("FAIL: still running after the abort (read %#llx)\n", static_cast<unsigned long long>(v));
    return 1;
}
