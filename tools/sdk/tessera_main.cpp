// tessera_main.cpp — `tessera`, the host SDK command: build, inspect and run a system image.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>

#include "system_config.hpp"
#include "system_image.hpp"
#include "system_pack.hpp"

namespace fs = std::filesystem;
using namespace tessera::sdk;

namespace {

/// `tessera build`: check the system file, pack it; write nothing on an error.
int build(const std::string& system, const std::string& hyp, const std::string& out,
          const std::vector<std::string>& search) {
    SystemConfig sys;
    const std::vector<ConfigError> errors = load_system(system, search, sys);
    for (const ConfigError& e : errors) std::cerr << e.str() << "\n";
    if (!errors.empty()) {
        std::cerr << "tessera build: " << errors.size() << " error" << (errors.size() == 1 ? "" : "s")
                  << "; nothing written\n";
        return 1;
    }
    try {
        const std::vector<uint8_t> image = pack_system(sys, read_file(hyp));
        const std::string tmp = out + ".tmp";
        {
            std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
            f.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
            if (!f) throw std::runtime_error("cannot write " + tmp);
        }
        fs::rename(tmp, out);
        std::cout << "tessera build: " << out << ": " << sys.vms.size() << " VMs, " << image.size() << " bytes\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << system << ": " << e.what() << "\ntessera build: nothing written\n";
        return 1;
    }
}

int inspect(const std::string& image) {
    try {
        std::cout << inspect_image(read_file(image));
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "tessera inspect: " << image << ": " << e.what() << "\n";
        return 1;
    }
}

/// `tessera run`: boot the image in QEMU with the board it was built for.
int run(const std::string& image, const std::string& runner, const std::vector<std::string>& extra) {
    tessera::sysimg::Header h{};
    try {
        uint64_t at = 0;
        h = packed_header(read_file(image), at); // refuses what is not a good packed image
    } catch (const std::exception& e) {
        std::cerr << "tessera run: " << image << ": " << e.what() << "\n";
        return 1;
    }
    std::vector<std::string> args = {runner, "--smp", std::to_string(h.board_cores), "-m",
                                     std::to_string(h.board_memory >> 20) + "M"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(image);
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::perror(("tessera run: " + runner).c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Tessera SDK: build, inspect and run a system image from one system file (docs/configuration.md)."};
    app.require_subcommand(1);
    const fs::path self = fs::weakly_canonical(fs::path(argv[0])).parent_path();

    std::string system, out, hyp = (self / "../../../aarch64/systems/tessera.bin").string();
    std::vector<std::string> search;
    auto* b = app.add_subcommand("build", "check SYSTEM_FILE and pack it with the hypervisor into one image");
    b->add_option("system", system, "the system file (YAML)")->required()->check(CLI::ExistingFile);
    b->add_option("-o,--output", out, "the image to write")->required();
    b->add_option("--hypervisor", hyp, "the generic hypervisor image (tessera.bin)")->check(CLI::ExistingFile);
    b->add_option("-I,--search", search, "more directories to find images in (repeatable)");

    std::string image;
    auto* i = app.add_subcommand("inspect", "print an image's layout, sizes and VMs");
    i->add_option("image", image, "a packed image")->required()->check(CLI::ExistingFile);

    std::string runner = (self / "../runner/tessera-qemu-run").string();
    std::vector<std::string> extra;
    auto* r = app.add_subcommand("run", "boot an image in QEMU (virt, EL2, GICv3) with the board it was built for");
    r->add_option("image", image, "a packed image")->required()->check(CLI::ExistingFile);
    r->add_option("--runner", runner, "tessera-qemu-run");
    r->add_option("runner_args", extra, "options for tessera-qemu-run (after --), e.g. -- --live --timeout 60");
    r->allow_extras();

    CLI11_PARSE(app, argc, argv);
    if (*b) return build(system, hyp, out, search);
    if (*i) return inspect(image);
    if (*r) {
        for (const auto& e : r->remaining()) extra.push_back(e);
        return run(image, runner, extra);
    }
    return 2;
}
