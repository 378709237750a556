// SO_ORIGINAL_DST for Node.js: the destination a TCP connection had before an iptables/nftables
// REDIRECT or DNAT rewrote it. One exported function, getOriginalDst(fd), returning
// { address, port, family } or throwing an Error whose `code` is the errno name (e.g. ENOENT when
// the connection has no conntrack entry). The level is picked per connection from getsockname():
// an IPv4 socket, or an IPv4-mapped address on a dual-stack IPv6 socket, needs SOL_IP; a real IPv6
// connection needs SOL_IPV6 (asking the wrong level gives ENOENT).
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80 /* linux/netfilter_ipv4.h */
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80 /* linux/netfilter_ipv6/ip6_tables.h */
#endif

static napi_value throw_errno(napi_env env, int err, const char* what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  const char* name = err == ENOENT ? "ENOENT" : err == EBADF ? "EBADF" : err == ENOTSOCK ? "ENOTSOCK"
                   : err == ENOPROTOOPT ? "ENOPROTOOPT" : err == EINVAL ? "EINVAL" : "EIO";
  napi_throw_error(env, name, message);
  return NULL;
}

static napi_value make_result(napi_env env, const char* address, int port, int family, const char* via) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "address", v);
  napi_create_int32(env, port, &v);
  napi_set_named_property(env, obj, "port", v);
  napi_create_int32(env, family, &v);
  napi_set_named_property(env, obj, "family", v);
  napi_create_string_utf8(env, via, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "via", v);
  return obj;
}

static napi_value get_original_dst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "EINVAL", "getOriginalDst(fd): fd must be a non-negative integer");
    return NULL;
  }
  struct sockaddr_storage local;
  socklen_t local_len = sizeof local;
  if (getsockname(fd, (struct sockaddr*)&local, &local_len) != 0) return throw_errno(env, errno, "getsockname");

  int use_v6 = 0;
  if (local.ss_family == AF_INET6) {
    const struct sockaddr_in6* l6 = (const struct sockaddr_in6*)&local;
    use_v6 = !IN6_IS_ADDR_V4MAPPED(&l6->sin6_addr);
  } else if (local.ss_family != AF_INET) {
    return throw_errno(env, EINVAL, "getsockname: not an IP socket");
  }

  char text[INET6_ADDRSTRLEN];
  if (use_v6) {
    struct sockaddr_in6 dst;
    socklen_t len = sizeof dst;
    memset(&dst, 0, sizeof dst);
    if (getsockopt(fd, IPPROTO_IPV6, IP6T_SO_ORIGINAL_DST, &dst, &len) != 0) return throw_errno(env, errno, "getsockopt(SOL_IPV6, IP6T_SO_ORIGINAL_DST)");
    if (inet_ntop(AF_INET6, &dst.sin6_addr, text, sizeof text) == NULL) return throw_errno(env, errno, "inet_ntop");
    return make_result(env, text, ntohs(dst.sin6_port), 6, "SOL_IPV6");
  }
  struct sockaddr_in dst;
  socklen_t len = sizeof dst;
  memset(&dst, 0, sizeof dst);
  if (getsockopt(fd, IPPROTO_IP, SO_ORIGINAL_DST, &dst, &len) != 0) return throw_errno(env, errno, "getsockopt(SOL_IP, SO_ORIGINAL_DST)");
  if (inet_ntop(AF_INET, &dst.sin_addr, text, sizeof text) == NULL) return throw_errno(env, errno, "inet_ntop");
  return make_result(env, text, ntohs(dst.sin_port), 4, "SOL_IP");
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "getOriginalDst", NAPI_AUTO_LENGTH, get_original_dst, NULL, &fn);
  napi_set_named_property(env, exports, "getOriginalDst", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
