// Releasing start-up memory of a long-running Node process on Linux. Two exported functions:
//
// adviseDontNeed(start: bigint, length: bigint): number
//   madvise(start, length, MADV_DONTNEED); returns 0 or the errno. The caller (Weft's
//   release-startup-pages.ts) passes only private, read-only, file-backed mappings whose pages are
//   all clean file pages (no Anonymous, no Private_Dirty in /proc/self/smaps): for those, dropping the
//   pages only unmaps them from this process; they stay in the page cache and fault back in from the
//   file on next use. On a mapping with copy-on-write copies (RELRO, .data) it would lose them: that
//   rule lives in the caller; here only the arguments are checked, and bad ones give EINVAL, never a
//   crash or a thrown error.
//
// mallocTrim(): number
//   glibc malloc_trim(0): gives free heap memory back to the kernel; 1 if some was released, else 0.
//   -1 where the C library has no malloc_trim (e.g. musl).
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value int_value(napi_env env, int32_t n) {
  napi_value v;
  if (napi_create_int32(env, n, &v) != napi_ok) return NULL;
  return v;
}

// Reads a non-negative bigint that fits in 64 bits without loss; false for anything else.
static bool read_u64(napi_env env, napi_value value, uint64_t* out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_bigint) return false;
  bool lossless = false;
  if (napi_get_value_bigint_uint64(env, value, out, &lossless) != napi_ok) return false;
  return lossless;
}

static napi_value advise_dont_need(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return int_value(env, EINVAL);
  uint64_t start = 0, length = 0;
  if (!read_u64(env, argv[0], &start) || !read_u64(env, argv[1], &length)) return int_value(env, EINVAL);
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) return int_value(env, EINVAL);
  uint64_t mask = (uint64_t)page - 1;
  // Page-aligned start and length, not empty, no wrap-around, inside the address space.
  if (start == 0 || length == 0 || (start & mask) != 0 || (length & mask) != 0) return int_value(env, EINVAL);
  if (start + length < start || start > (uint64_t)UINTPTR_MAX || length > (uint64_t)SIZE_MAX ||
      start + length - 1 > (uint64_t)UINTPTR_MAX) {
    return int_value(env, EINVAL);
  }
  if (madvise((void*)(uintptr_t)start, (size_t)length, MADV_DONTNEED) != 0) return int_value(env, errno);
  return int_value(env, 0);
}

static napi_value malloc_trim_now(napi_env env, napi_callback_info info) {
  (void)info;
#if defined(__GLIBC__)
  return int_value(env, malloc_trim(0) ? 1 : 0);
#else
  return int_value(env, -1);
#endif
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "adviseDontNeed", NAPI_AUTO_LENGTH, advise_dont_need, NULL, &fn);
  napi_set_named_property(env, exports, "adviseDontNeed", fn);
  napi_create_function(env, "mallocTrim", NAPI_AUTO_LENGTH, malloc_trim_now, NULL, &fn);
  napi_set_named_property(env, exports, "mallocTrim", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
