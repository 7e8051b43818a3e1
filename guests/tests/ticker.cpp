// ticker.cpp — runs forever, printing a tick now and then: a bystander that a panic must stop.
#include "kit.hpp"

int main() {
    for (tessera::u64 tick = 0;; ++tick) {
        for (tessera::u64 spin = 0; spin < 200000; ++spin) asm volatile("" ::: "memory");
        kit::print("tick %llu\n", static_cast<unsigned long long>(tick));
    }
}
