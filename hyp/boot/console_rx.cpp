// console_rx.cpp — keystrokes on the physical console, to the VM that has the focus (resident: runs on every key).
#include "console_rx.hpp"

#include "console.hpp"
#include "pl011.hpp"
#include "vm.hpp"
#include "vpl011.hpp"

namespace tessera {

void on_console_rx() {
    char c = 0;
    while (pl011::getc(c)) {
        console_input(
            c, g_vms.count, [](unsigned vm, char ch) { return vpl011_input(g_vms.vms[vm], ch); },
            [](unsigned vm) { return g_vms.vms[vm].name(); });
    }
}

} // namespace tessera
