// fuzz_system_file.cpp — `tessera build` reading a system file: any text at all gets either a system or errors, each
// with a line of the file and a message; never a crash, a hang or an exception out of load_system().
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_common.hpp"
#include "system_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // load_system() reads a path, and finds images beside it: a directory of
    // this process's own, empty but for the input, removed when it ends.
    static const std::string path = [] {
        char dir[] = "/tmp/tessera-fuzz-XXXXXX";
        if (mkdtemp(dir) == nullptr) std::abort();
        static const std::string made = dir;
        std::atexit([] { std::filesystem::remove_all(made); });
        return made + "/system.yaml";
    }();
    {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    tessera::sdk::SystemConfig sys;
    const auto errors = tessera::sdk::load_system(path, {}, sys);
    const long lines = std::count(data, data + size, '\n') + 1;
    for (const auto& e : errors) {
        tessera::fuzz::require(!e.message.empty(), "an error without a message");
        tessera::fuzz::require(e.line >= 0 && e.line <= lines + 1, "an error on a line the file does not have");
    }
    if (errors.empty()) tessera::fuzz::require(!sys.vms.empty(), "a system accepted without VMs");
    return 0;
}
