// Name tables of systemd 252: namespaces, address families, syscall groups, architectures;
// capabilities come from libcap; IP prefixes from inet_pton.
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "assignment_model.hpp"

namespace hb::assignment {
namespace {

// CLONE_NEW* values spelled out: CLONE_NEWTIME is missing from older libc headers.
constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kNamespaces = {{
    {"cgroup", 0x02000000},
    {"ipc", 0x08000000},
    {"net", 0x40000000},
    {"mnt", 0x00020000},
    {"pid", 0x20000000},
    {"user", 0x10000000},
    {"uts", 0x04000000},
    {"time", 0x00000080},  // accepted by v252 though not scored by systemd-analyze
}};

// Every AF_ name systemd 252 accepts (generated like its af-list: AF_* defined as PF_*).
constexpr std::array<std::string_view, 48> kFamilies = {
    "AF_UNIX",      "AF_LOCAL",  "AF_FILE",       "AF_INET",      "AF_AX25",   "AF_IPX",
    "AF_APPLETALK", "AF_NETROM", "AF_BRIDGE",     "AF_ATMPVC",    "AF_X25",    "AF_INET6",
    "AF_ROSE",      "AF_DECnet", "AF_NETBEUI",    "AF_SECURITY",  "AF_KEY",    "AF_NETLINK",
    "AF_ROUTE",     "AF_PACKET", "AF_ASH",        "AF_ECONET",    "AF_ATMSVC", "AF_RDS",
    "AF_SNA",       "AF_IRDA",   "AF_PPPOX",      "AF_WANPIPE",   "AF_LLC",    "AF_IB",
    "AF_MPLS",      "AF_CAN",    "AF_TIPC",       "AF_BLUETOOTH", "AF_IUCV",   "AF_RXRPC",
    "AF_ISDN",      "AF_PHONET", "AF_IEEE802154", "AF_CAIF",      "AF_ALG",    "AF_NFC",
    "AF_VSOCK",     "AF_KCM",    "AF_QIPCRTR",    "AF_SMC",       "AF_XDP",    "AF_MCTP",
};

// The syscall groups of systemd 252 (systemd-analyze syscall-filter).
constexpr std::array<std::string_view, 29> kSyscallGroups = {
    "@default", "@aio",         "@basic-io",       "@chown",     "@clock",   "@cpu-emulation",
    "@debug",   "@file-system", "@io-event",       "@ipc",       "@keyring", "@memlock",
    "@module",  "@mount",       "@network-io",     "@obsolete",  "@pkey",    "@privileged",
    "@process", "@raw-io",      "@reboot",         "@resources", "@setuid",  "@signal",
    "@swap",    "@sync",        "@system-service", "@timer",     "@known",
};

// seccomp architecture names systemd 252 accepts.
constexpr std::array<std::string_view, 20> kArchitectures = {
    "native", "x86",        "x86-64",   "x32",       "arm",           "arm64",  "mips",
    "mips64", "mips64-n32", "mips-le",  "mips64-le", "mips64-le-n32", "parisc", "parisc64",
    "ppc",    "ppc64",      "ppc64-le", "riscv64",   "s390",          "s390x",
};

template <class Array>
bool contains(const Array& array, std::string_view name) {
  return std::find(array.begin(), array.end(), name) != array.end();
}

std::vector<uint8_t> masked(std::vector<uint8_t> bytes, uint32_t prefix_length) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const uint32_t first_bit = static_cast<uint32_t>(i) * 8;
    if (first_bit >= prefix_length) {
      bytes[i] = 0;
    } else if (prefix_length - first_bit < 8) {
      bytes[i] &= static_cast<uint8_t>(0xff << (8 - (prefix_length - first_bit)));
    }
  }
  return bytes;
}

IpPrefix prefix(int32_t family, std::vector<uint8_t> bytes, uint32_t length) {
  return {family, masked(std::move(bytes), length), length};
}

std::vector<uint8_t> v6(std::initializer_list<std::pair<std::size_t, uint8_t>> set_bytes) {
  std::vector<uint8_t> bytes(16, 0);
  for (auto [i, b] : set_bytes) bytes[i] = b;
  return bytes;
}

}  // namespace

uint64_t all_namespaces() {
  uint64_t all = 0;
  for (const auto& [name, flag] : kNamespaces) all |= flag;
  return all;
}

std::optional<uint64_t> namespace_flag(std::string_view name) {
  for (const auto& [n, flag] : kNamespaces) {
    if (n == name) return flag;
  }
  return std::nullopt;
}

std::optional<std::string> canonical_family(std::string_view name) {
  if (!contains(kFamilies, name)) return std::nullopt;
  if (name == "AF_LOCAL" || name == "AF_FILE") return "AF_UNIX";
  if (name == "AF_ROUTE") return "AF_NETLINK";
  return std::string(name);
}

bool is_syscall_group(std::string_view name) { return contains(kSyscallGroups, name); }

bool is_syscall_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool is_architecture(std::string_view name) { return contains(kArchitectures, name); }

std::string canonical_arch(std::string_view name) {
  if (name != "native") return std::string(name);
#if defined(__x86_64__) && defined(__ILP32__)
  return "x32";
#elif defined(__x86_64__)
  return "x86-64";
#elif defined(__i386__)
  return "x86";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64-le";
#else
  return "native";
#endif
}

std::optional<std::vector<IpPrefix>> parse_ip_token(std::string_view token) {
  constexpr int32_t kInet = AF_INET, kInet6 = AF_INET6;
  if (token == "any") return {{prefix(kInet, {0, 0, 0, 0}, 0), prefix(kInet6, v6({}), 0)}};
  if (token == "localhost") {
    return {{prefix(kInet, {127, 0, 0, 0}, 8), prefix(kInet6, v6({{15, 1}}), 128)}};
  }
  if (token == "link-local") {
    return {{prefix(kInet, {169, 254, 0, 0}, 16), prefix(kInet6, v6({{0, 0xfe}, {1, 0x80}}), 64)}};
  }
  if (token == "multicast") {
    return {{prefix(kInet, {224, 0, 0, 0}, 4), prefix(kInet6, v6({{0, 0xff}}), 8)}};
  }
  const auto slash = token.find('/');
  const std::string address(token.substr(0, slash));
  std::vector<uint8_t> bytes(16, 0);
  int32_t family = 0;
  if (inet_pton(AF_INET, address.c_str(), bytes.data()) == 1) {
    family = kInet;
    bytes.resize(4);
  } else if (inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) {
    family = kInet6;
  } else {
    return std::nullopt;
  }
  uint32_t length = static_cast<uint32_t>(bytes.size()) * 8;
  if (slash != std::string_view::npos) {
    const auto digits = token.substr(slash + 1);
    uint32_t parsed = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        parsed > length) {
      return std::nullopt;
    }
    length = parsed;
  }
  return {{prefix(family, std::move(bytes), length)}};
}

bool prefix_contains(const IpPrefix& outer, const IpPrefix& inner) {
  if (outer.family != inner.family || outer.prefix_length > inner.prefix_length ||
      outer.address.size() != inner.address.size()) {
    return false;
  }
  return masked(inner.address, outer.prefix_length) == masked(outer.address, outer.prefix_length);
}

}  // namespace hb::assignment
