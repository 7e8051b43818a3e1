// signing.cpp — key pairs, digests and ECDSA P-256 through OpenSSL 3 (Debian's libssl-dev): nothing hand-written.
#include "signing.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <unistd.h>

namespace tessera::sdk {

namespace {

struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

EVP_PKEY* pkey(void* p) { return static_cast<EVP_PKEY*>(p); }

bool is_p256(EVP_PKEY* k) {
    char group[64] = {};
    size_t len = 0;
    return EVP_PKEY_is_a(k, "EC") == 1 &&
           EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
           std::string(group) == "prime256v1";
}

PublicKey point_of(EVP_PKEY* k) {
    PublicKey out{};
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) != 1 ||
        len != out.size() || out[0] != 0x04)
        throw std::runtime_error("cannot read the key's public point");
    return out;
}

/// An EVP_PKEY holding only the public point `key`.
EVP_PKEY* from_point(const PublicKey& key) {
    OSSL_PARAM_BLD* b = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, key.data(), key.size());
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* k = nullptr;
    if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
        k = nullptr;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    return k;
}

void write_pem(const std::string& path, EVP_PKEY* k, bool secret) {
    if (std::filesystem::exists(path)) throw std::runtime_error(path + ": exists already (not overwritten)");
    // Created with its final mode: a private key is never readable by others, not even for a moment.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, secret ? 0600 : 0644);
    File f(fd >= 0 ? ::fdopen(fd, "w") : nullptr);
    if (!f) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error(path + ": cannot be written");
    }
    const int ok =
        secret ? PEM_write_PrivateKey(f.get(), k, nullptr, nullptr, 0, nullptr, nullptr) : PEM_write_PUBKEY(f.get(), k);
    if (ok != 1) throw std::runtime_error(path + ": cannot be written");
}

} // namespace

Digest sha256(const uint8_t* data, size_t size) {
    Digest d{};
    unsigned len = 0;
    if (EVP_Digest(data, size, d.data(), &len, EVP_sha256(), nullptr) != 1 || len != d.size())
        throw std::runtime_error("SHA-256 failed");
    return d;
}

void generate_key(const std::string& dir) {
    std::filesystem::create_directories(dir);
    EVP_PKEY* k = EVP_EC_gen("P-256");
    if (k == nullptr) throw std::runtime_error("cannot make a P-256 key pair");
    try {
        write_pem(dir + "/tessera-key.pem", k, true);
        write_pem(dir + "/tessera-key.pub.pem", k, false);
    } catch (...) {
        EVP_PKEY_free(k);
        throw;
    }
    EVP_PKEY_free(k);
}

SigningKey::SigningKey(const std::string& pem_path) {
    File f(std::fopen(pem_path.c_str(), "r"));
    if (!f) throw std::runtime_error(pem_path + ": cannot be read");
    EVP_PKEY* k = PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr);
    if (k == nullptr || !is_p256(k)) {
        EVP_PKEY_free(k);
        throw std::runtime_error(pem_path + ": not a P-256 private key in PEM (make one with `tessera keygen`)");
    }
    key_ = k;
    public_ = point_of(k);
}

SigningKey::~SigningKey() { EVP_PKEY_free(pkey(key_)); }

Signature SigningKey::sign(const Digest& digest) const {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(pkey(key_), nullptr);
    unsigned char der[128];
    size_t der_len = sizeof der;
    const bool ok = ctx != nullptr && EVP_PKEY_sign_init(ctx) == 1 &&
                    EVP_PKEY_sign(ctx, der, &der_len, digest.data(), digest.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) throw std::runtime_error("signing failed");
    const unsigned char* p = der;
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
    if (sig == nullptr) throw std::runtime_error("signing failed");
    Signature out{};
    const bool fits = BN_bn2binpad(ECDSA_SIG_get0_r(sig), out.data(), 32) == 32 &&
                      BN_bn2binpad(ECDSA_SIG_get0_s(sig), out.data() + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    if (!fits) throw std::runtime_error("signing failed");
    return out;
}

PublicKey read_public_key(const std::string& pem_path) {
    File f(std::fopen(pem_path.c_str(), "r"));
    if (!f) throw std::runtime_error(pem_path + ": cannot be read");
    EVP_PKEY* k = PEM_read_PUBKEY(f.get(), nullptr, nullptr, nullptr);
    if (k == nullptr) {
        std::rewind(f.get());
        k = PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr);
    }
    if (k == nullptr || !is_p256(k)) {
        EVP_PKEY_free(k);
        throw std::runtime_error(pem_path + ": not a P-256 key in PEM");
    }
    const PublicKey out = point_of(k);
    EVP_PKEY_free(k);
    return out;
}

bool verify(const PublicKey& key, const Digest& digest, const Signature& sig) {
    EVP_PKEY* k = from_point(key);
    if (k == nullptr) return false;
    ECDSA_SIG* s = ECDSA_SIG_new();
    ECDSA_SIG_set0(s, BN_bin2bn(sig.data(), 32, nullptr), BN_bin2bn(sig.data() + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_len = i2d_ECDSA_SIG(s, &der);
    ECDSA_SIG_free(s);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(k, nullptr);
    const bool ok = der_len > 0 && ctx != nullptr && EVP_PKEY_verify_init(ctx) == 1 &&
                    EVP_PKEY_verify(ctx, der, static_cast<size_t>(der_len), digest.data(), digest.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_free(der);
    EVP_PKEY_free(k);
    return ok;
}

std::string fingerprint(const PublicKey& key) {
    const Digest d = sha256(key.data(), key.size());
    return hex(d.data(), d.size());
}

std::string hex(const uint8_t* bytes, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

} // namespace tessera::sdk
