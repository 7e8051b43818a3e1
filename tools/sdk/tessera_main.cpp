// tessera_main.cpp — `tessera`, the host SDK command: build, inspect and run a system image.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>

#include "depfile.hpp"
#include "sdk_paths.hpp"
#include "signing.hpp"
#include "system_config.hpp"
#include "system_image.hpp"
#include "system_pack.hpp"
#include "version.hpp"

namespace fs = std::filesystem;
using namespace tessera::sdk;

namespace {

/// Writes `bytes` to `path` through a temporary file renamed into place, so
/// that no reader (nor Make) ever sees half a file.
void write_whole(const std::string& path, const char* bytes, size_t size) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(bytes, static_cast<std::streamsize>(size));
        if (!f) throw std::runtime_error("cannot write " + tmp);
    }
    fs::rename(tmp, path);
}

/// `tessera build`: check the system file, pack it; report every error
/// (system file and packing alike, each with its line) and write nothing on
/// any. With `depfile`, also write a Make depfile naming every input.
int build(const std::string& system, const std::string& hyp, const std::string& out,
          const std::vector<std::string>& search, const std::string& depfile, const std::string& key,
          uint32_t security_version) {
    SystemConfig sys;
    std::vector<ConfigError> errors = load_system(system, search, sys);
    std::vector<uint8_t> image;
    std::unique_ptr<SigningKey> signing;
    try {
        if (!key.empty()) signing = std::make_unique<SigningKey>(key);
    } catch (const std::exception& e) {
        errors.push_back({key, 0, e.what()});
    }
    try {
        if (errors.empty() && signing) {
            const Signer signer{*signing, security_version};
            image = pack_system(sys, read_file(hyp), errors, &signer);
        } else if (errors.empty()) {
            image = pack_system(sys, read_file(hyp), errors);
        }
    } catch (const std::exception& e) {
        errors.push_back({hyp, 0, e.what()});
    }
    for (const ConfigError& e : errors) std::cerr << e.str() << "\n";
    if (!errors.empty()) {
        std::cerr << "tessera build: " << count_of(errors.size(), "error") << "; nothing written\n";
        return 1;
    }
    try {
        if (!depfile.empty()) {
            std::vector<std::string> inputs = input_files(sys);
            inputs.insert(inputs.begin() + 1, hyp);
            const std::string text = make_depfile(out, inputs);
            // Written before the image, so the image is never older than it.
            write_whole(depfile, text.data(), text.size());
        }
        write_whole(out, reinterpret_cast<const char*>(image.data()), image.size());
        std::cout << "tessera build: " << out << ": " << count_of(sys.vms.size(), "VM") << ", "
                  << count_of(image.size(), "byte");
        if (signing) std::cout << ", signed (security version " << security_version << ")";
        std::cout << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "tessera build: " << e.what() << "; nothing written\n";
        if (!depfile.empty()) fs::remove(depfile);
        return 1;
    }
}

int inspect(const std::string& image, const std::string& key) {
    try {
        PublicKey signer{};
        if (!key.empty()) signer = read_public_key(key);
        std::cout << inspect_image(read_file(image), key.empty() ? nullptr : &signer);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "tessera inspect: " << image << ": " << e.what() << "\n";
        return 1;
    }
}

/// `tessera run`: boot the image in QEMU with the board it was built for.
/// The board's flash (the security-version counter) is `nvram`, by default kept beside the image.
int run(const std::string& image, const std::string& runner, const std::string& nvram,
        const std::vector<std::string>& extra) {
    tessera::sysimg::Header h{};
    try {
        uint64_t at = 0;
        h = packed_header(read_file(image), at); // refuses what is not a good packed image
    } catch (const std::exception& e) {
        std::cerr << "tessera run: " << image << ": " << e.what() << "\n";
        return 1;
    }
    std::vector<std::string> args = {runner,
                                     "--smp",
                                     std::to_string(h.board_cores),
                                     "-m",
                                     std::to_string(h.board_memory >> 20) + "M",
                                     "--nvram",
                                     nvram.empty() ? image + ".nvram" : nvram};
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
    app.set_version_flag("--version", std::string("tessera ") + TESSERA_VERSION);
    app.require_subcommand(1);
    // The hypervisor image and the runner are found beside this binary:
    // in the build tree, or where `cmake --install` put them.
    const fs::path self = self_dir(argv[0]);
    const BuildTree tree = this_build_tree();

    std::string system, out, hyp, depfile;
    std::vector<std::string> search;
    auto* b = app.add_subcommand("build", "check SYSTEM_FILE and pack it with the hypervisor into one image");
    b->add_option("system", system, "the system file (YAML)")->required()->check(CLI::ExistingFile);
    b->add_option("-o,--output", out, "the image to write")->required();
    b->add_option("--hypervisor", hyp, "the generic hypervisor image (default: tessera.bin beside this SDK)")
        ->check(CLI::ExistingFile);
    b->add_option("-I,--search", search, "more directories to find images in (repeatable)");
    b->add_option("--depfile", depfile, "also write a Make depfile: the image depends on every file it was built from");
    std::string key;
    uint32_t security_version = 0;
    b->add_option("--key", key, "sign the image with this P-256 private key (PEM; `tessera keygen` makes one)")
        ->check(CLI::ExistingFile);
    b->add_option("--security-version", security_version,
                  "the signed image's security version (for anti-rollback: signed and attested, not yet enforced)")
        ->needs("--key");

    std::string rom_pub, rom_out;
    auto* rk =
        app.add_subcommand("rom-key", "write a public key as the C initializer a keyed hypervisor is built with");
    rk->add_option("key", rom_pub, "the public key (PEM)")->required()->check(CLI::ExistingFile);
    rk->add_option("-o,--output", rom_out, "the file to write")->required();

    std::string key_dir;
    auto* k =
        app.add_subcommand("keygen", "make a P-256 key pair for signing images: DIR/tessera-key.pem and .pub.pem");
    k->add_option("dir", key_dir, "where to write them")->required();

    std::string image;
    auto* i = app.add_subcommand("inspect", "print an image's layout, sizes and VMs");
    i->add_option("image", image, "a packed image")->required()->check(CLI::ExistingFile);
    i->add_option("--key", key, "also require the image to be signed by this key (PEM, public or private)")
        ->check(CLI::ExistingFile);

    std::string runner;
    std::vector<std::string> extra;
    auto* r = app.add_subcommand("run", "boot an image in QEMU (virt, EL2, GICv3) with the board it was built for");
    r->add_option("image", image, "a packed image")->required()->check(CLI::ExistingFile);
    r->add_option("--runner", runner, "tessera-qemu-run (default: the one beside this SDK)");
    std::string nvram;
    r->add_option("--nvram", nvram,
                  "the board's flash, which keeps the security-version counter between runs (default: IMAGE.nvram)");
    r->add_option("runner_args", extra, "options for tessera-qemu-run (after --), e.g. -- --timeout 60");
    r->allow_extras();

    CLI11_PARSE(app, argc, argv);
    if (*b) {
        if (hyp.empty()) hyp = first_existing(hypervisor_candidates(self, tree));
        if (hyp.empty()) {
            std::cerr << "tessera build: "
                      << not_found("hypervisor image (tessera.bin)", hypervisor_candidates(self, tree))
                      << "\n(give one with --hypervisor)\n";
            return 1;
        }
        return build(system, hyp, out, search, depfile, key, security_version);
    }
    if (*i) return inspect(image, key);
    if (*rk) {
        try {
            const PublicKey pub = read_public_key(rom_pub);
            std::string text = "// " + rom_pub + ": P-256, fingerprint " + fingerprint(pub) + " (tessera rom-key)\n";
            for (size_t n = 0; n < pub.size(); ++n) {
                char byte[8];
                std::snprintf(byte, sizeof byte, "0x%02x,", pub[n]);
                text += byte;
                text += (n % 12 == 11 || n + 1 == pub.size()) ? "\n" : " ";
            }
            write_whole(rom_out, text.data(), text.size());
            return 0;
        } catch (const std::exception& e) {
            std::cerr << "tessera rom-key: " << e.what() << "\n";
            return 1;
        }
    }
    if (*k) {
        try {
            generate_key(key_dir);
            std::cout << "tessera keygen: " << key_dir << "/tessera-key.pem (private: keep it secret) and " << key_dir
                      << "/tessera-key.pub.pem; fingerprint "
                      << fingerprint(read_public_key(key_dir + "/tessera-key.pub.pem")) << "\n";
            return 0;
        } catch (const std::exception& e) {
            std::cerr << "tessera keygen: " << e.what() << "\n";
            return 1;
        }
    }
    if (*r) {
        if (runner.empty()) runner = first_existing(runner_candidates(self, tree));
        if (runner.empty()) {
            std::cerr << "tessera run: " << not_found("QEMU runner (tessera-qemu-run)", runner_candidates(self, tree))
                      << "\n(give one with --runner)\n";
            return 1;
        }
        for (const auto& e : r->remaining()) extra.push_back(e);
        return run(image, runner, nvram, extra);
    }
    return 2;
}
