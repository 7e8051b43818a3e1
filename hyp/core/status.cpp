// status.cpp — names of Status codes.
#include "status.hpp"

namespace tessera {

const char* status_name(Status s) {
    switch (s) {
    case Status::ok: return "ok";
    case Status::no_memory: return "out of memory";
    case Status::invalid: return "invalid argument";
    case Status::already_mapped: return "already mapped";
    case Status::not_found: return "not found";
    }
    return "?";
}

} // namespace tessera
