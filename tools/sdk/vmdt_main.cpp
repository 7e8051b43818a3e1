// vmdt_main.cpp — tessera-vmdt: writes the device tree of one Linux VM (used by the build).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "vm_dtb.hpp"

int main(int argc, char** argv) {
    tessera::sdk::LinuxVmSpec spec;
    std::string out;
    std::string initrd;
    uint64_t ram_mib = 0;
    CLI::App app{"Write the device tree a Tessera Linux VM boots with."};
    app.add_option("--name", spec.name, "VM name")->required();
    app.add_option("--ram-mib", ram_mib, "RAM size in MiB")->required();
    app.add_option("--vcpus", spec.vcpus, "number of vCPUs")->required();
    app.add_option("--bootargs", spec.bootargs, "kernel command line");
    app.add_option("--initrd", initrd, "the initramfs it boots (its size decides where it goes)")
        ->check(CLI::ExistingFile);
    app.add_option("-o,--output", out, "output .dtb")->required();
    CLI11_PARSE(app, argc, argv);
    spec.ram_size = ram_mib * 1024 * 1024;
    try {
        if (!initrd.empty()) spec.initrd_size = std::filesystem::file_size(initrd);
        const auto dtb = tessera::sdk::build_vm_dtb(spec);
        std::ofstream f(out, std::ios::binary);
        f.write(reinterpret_cast<const char*>(dtb.data()), static_cast<std::streamsize>(dtb.size()));
        if (!f) throw std::runtime_error("cannot write " + out);
    } catch (const std::exception& e) {
        std::cerr << "tessera-vmdt: " << spec.name << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
