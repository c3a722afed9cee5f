/*
 * config.h for the vendored liblzma build (build.rs, `--features vendored`).
 *
 * It stands in for the config.h that xz's configure/CMake would generate, for GCC- and
 * Clang-compatible compilers on Unix-like systems (Linux, the BSDs, macOS) and on Windows
 * (MinGW, clang-cl). Written for syspack; not part of the xz sources. It enables what a default
 * `./configure` build of xz 5.8 enables: every encoder and decoder, all integrity checks, the
 * lzip and MicroLZMA decoders, and threads (needed by lzma_stream_encoder_mt).
 */
#ifndef SYSPACK_LZMA_CONFIG_H
#define SYSPACK_LZMA_CONFIG_H

/* Assumed RAM (MiB) when the amount cannot be determined. */
#define ASSUME_RAM 128

/* Integrity checks. */
#define HAVE_CHECK_CRC32 1
#define HAVE_CHECK_CRC64 1
#define HAVE_CHECK_SHA256 1

/* Filters. */
#define HAVE_ENCODER_LZMA1 1
#define HAVE_ENCODER_LZMA2 1
#define HAVE_ENCODER_DELTA 1
#define HAVE_ENCODER_X86 1
#define HAVE_ENCODER_POWERPC 1
#define HAVE_ENCODER_IA64 1
#define HAVE_ENCODER_ARM 1
#define HAVE_ENCODER_ARMTHUMB 1
#define HAVE_ENCODER_ARM64 1
#define HAVE_ENCODER_SPARC 1
#define HAVE_ENCODER_RISCV 1
#define HAVE_DECODER_LZMA1 1
#define HAVE_DECODER_LZMA2 1
#define HAVE_DECODER_DELTA 1
#define HAVE_DECODER_X86 1
#define HAVE_DECODER_POWERPC 1
#define HAVE_DECODER_IA64 1
#define HAVE_DECODER_ARM 1
#define HAVE_DECODER_ARMTHUMB 1
#define HAVE_DECODER_ARM64 1
#define HAVE_DECODER_SPARC 1
#define HAVE_DECODER_RISCV 1
#define HAVE_LZIP_DECODER 1
#define HAVE_MICROLZMA 1

/* Match finders. */
#define HAVE_MF_HC3 1
#define HAVE_MF_HC4 1
#define HAVE_MF_BT2 1
#define HAVE_MF_BT3 1
#define HAVE_MF_BT4 1

/* C99 headers and types. */
#define HAVE_INTTYPES_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDBOOL_H 1
#define HAVE__BOOL 1
#define SIZEOF_SIZE_T __SIZEOF_SIZE_T__

/* Compiler features (GCC >= 4.8 and Clang have all of them). */
#define HAVE_VISIBILITY 1
#define HAVE_FUNC_ATTRIBUTE_CONSTRUCTOR 1
#define HAVE___BUILTIN_BSWAPXX 1
#define HAVE___BUILTIN_ASSUME_ALIGNED 1

/* x86 and x86-64: SSE2 and the CLMUL CRC with run-time CPU detection. */
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
#	define HAVE_IMMINTRIN_H 1
#	define HAVE__MM_MOVEMASK_EPI8 1
#	define HAVE_USABLE_CLMUL 1
#	if defined(__GNUC__) || defined(__clang__)
#		define HAVE_CPUID_H 1
#	endif
#endif

#if defined(__x86_64__) || defined(__aarch64__) || defined(__powerpc64__) || defined(__i386__)
#	define TUKLIB_FAST_UNALIGNED_ACCESS 1
#endif

/* Threads, the clock and the system queries used by tuklib (on Windows, tuklib and mythread
 * pick the Windows APIs by themselves). */
#if defined(_WIN32)
#	define MYTHREAD_VISTA 1
#else
#	ifndef _GNU_SOURCE
#		define _GNU_SOURCE 1
#	endif
#	define MYTHREAD_POSIX 1
#	define HAVE_CLOCK_GETTIME 1
#	define HAVE_CLOCK_MONOTONIC 1
#	if !defined(__APPLE__)
#		define HAVE_PTHREAD_CONDATTR_SETCLOCK 1
#	endif
#	define TUKLIB_CPUCORES_SYSCONF 1
#	define TUKLIB_PHYSMEM_SYSCONF 1
#endif

#if defined(__linux__)
#	define HAVE_GETAUXVAL 1
#endif

#endif /* SYSPACK_LZMA_CONFIG_H */
