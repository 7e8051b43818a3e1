// virtio_net_init.cpp — boot-only: a virtio-net link's two ends and a failover standby's unplugged twins.
#include "string.hpp"
#include "virtio_net.hpp"

namespace tessera::virtio {

void net_link_init(NetLink& link, unsigned k, Vm& a, u32 intid_a, Vm& b, u32 intid_b) {
    Vm* vms[2] = {&a, &b};
    const u32 intids[2] = {intid_a, intid_b};
    for (unsigned i = 0; i < 2; ++i) {
        transport_init(link.port[i][0], NET_OPS, *vms[i], link.lock, &link, intids[i]);
        const u8 mac[6] = {0x02, 0x74, 0x73, 0x00, static_cast<u8>(k), static_cast<u8>(i + 1)};
        memcpy(link.mac[i], mac, sizeof mac);
    }
}

void net_link_spare(NetLink& link, unsigned side, Vm& standby, u32 intid) {
    transport_init(link.port[side][1], NET_OPS, standby, link.lock, &link, intid);
}

} // namespace tessera::virtio
