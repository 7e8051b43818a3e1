// signing.hpp — the host's side of a secured boot: key pairs, SHA-256 and ECDSA P-256 signatures, with OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "manifest.hpp"

namespace tessera::sdk {

using Digest = std::array<uint8_t, sysimg::SHA256_BYTES>;
using PublicKey = std::array<uint8_t, sysimg::P256_POINT>;
using Signature = std::array<uint8_t, sysimg::P256_SIGNATURE>;

/// SHA-256 of `size` bytes at `data`.
Digest sha256(const uint8_t* data, size_t size);

/// Writes a new P-256 key pair as PEM files: `dir`/tessera-key.pem (the
/// private key, mode 0600) and `dir`/tessera-key.pub.pem. Throws
/// std::runtime_error if a file exists or cannot be written.
void generate_key(const std::string& dir);

/// A P-256 private key read from a PEM file (PKCS#8 or SEC1), for signing.
class SigningKey {
public:
    /// Throws std::runtime_error naming the file if it is not a P-256 private key.
    explicit SigningKey(const std::string& pem_path);
    ~SigningKey();
    SigningKey(const SigningKey&) = delete;
    SigningKey& operator=(const SigningKey&) = delete;

    /// Its public half, as an uncompressed point.
    [[nodiscard]] const PublicKey& public_key() const { return public_; }
    /// ECDSA P-256 signature (r || s) of a SHA-256 `digest`.
    [[nodiscard]] Signature sign(const Digest& digest) const;

private:
    void* key_ = nullptr; ///< EVP_PKEY
    PublicKey public_{};
};

/// The uncompressed point of the P-256 public key in a PEM file (public or private).
PublicKey read_public_key(const std::string& pem_path);

/// Whether `sig` is `key`'s signature of `digest`.
bool verify(const PublicKey& key, const Digest& digest, const Signature& sig);

/// A key's fingerprint: SHA-256 of its uncompressed point, in hex.
std::string fingerprint(const PublicKey& key);

/// `bytes` in lower-case hex.
std::string hex(const uint8_t* bytes, size_t n);

} // namespace tessera::sdk
