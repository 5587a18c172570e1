#pragma once

#include <fuse_lowlevel.h>

#include <cerrno>
#include <exception>
#include <new>
#include <system_error>

#include "squeezefs/common/log.h"
#include "squeezefs/common/result.h"
#include "squeezefs/common/storage_error.h"
#include "squeezefs/fs/core_api.h"

namespace squeezefs::fs {

// Runs one request handler `f`, which replies itself on success and returns an error_code
// otherwise. Errors become errno replies: error codes map to their value, bad_alloc to ENOMEM, a
// full file system under the store (posix_error_of) to ENOSPC and anything else to EIO, with one
// log line. No exception leaves this function (libfuse is C).
// At debug level (mount option `debug`) every request leaves a trace line with its result.
template <class F>
void checked_call(fuse_req_t req, const char* op, F&& f) noexcept {
  int err = 0;
  // Read before f() runs: a reply frees the request.
  const auto pid = fuse_req_ctx(req)->pid;
  try {
    const std::error_code ec = f();
    if (log().should_log(spdlog::level::debug))
      log().debug("{} (pid {}) -> {}", op, pid, ec ? ec.message() : "ok");
    if (!ec) return;
    err = ec.value();
  } catch (const std::bad_alloc&) {
    err = ENOMEM;
  } catch (const std::exception& e) {
    log().error("{}: {}", op, log_text(e));
    err = posix_error_of(e).value();
  } catch (...) {
    log().error("{}: unknown exception", op);
    err = EIO;
  }
  fuse_reply_err(req, err);
}

}  // namespace squeezefs::fs
