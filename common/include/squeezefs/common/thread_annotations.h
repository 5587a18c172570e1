#pragma once

// Clang's thread-safety analysis (-Wthread-safety): these macros name which lock guards which
// member and which lock a function needs, so the compiler checks it. Other compilers ignore them.
#if defined(__clang__)
#define SQUEEZEFS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SQUEEZEFS_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) SQUEEZEFS_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY SQUEEZEFS_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) SQUEEZEFS_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) SQUEEZEFS_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) SQUEEZEFS_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) SQUEEZEFS_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) SQUEEZEFS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) SQUEEZEFS_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) SQUEEZEFS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) SQUEEZEFS_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) SQUEEZEFS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) SQUEEZEFS_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) SQUEEZEFS_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) SQUEEZEFS_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) SQUEEZEFS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) SQUEEZEFS_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) SQUEEZEFS_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS SQUEEZEFS_THREAD_ANNOTATION(no_thread_safety_analysis)
