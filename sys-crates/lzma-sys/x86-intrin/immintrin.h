/*
 * <immintrin.h> for the vendored liblzma build on x86 with GCC or Clang (build.rs puts this
 * directory on the include path only there). Written for syspack; not part of the xz sources.
 *
 * liblzma includes <immintrin.h> for SSE2 (lz_decoder.h: dict_repeat; memcmplen.h) and for
 * SSSE3, SSE4.1 and CLMUL (check/crc_x86_clmul.h, whose functions carry their own
 * `target` attribute). The compiler's <immintrin.h> declares every x86 extension up to AVX-512
 * and AMX: parsing it is most of the compile time of each file that includes it. These four
 * headers declare everything liblzma uses, with the same definitions, so the objects are the
 * same. Checked: every file of xz 5.8.1 compiles with -Werror=implicit-function-declaration; a
 * future xz needing more would show an implicit-declaration warning (an error in GCC 14 and
 * Clang 16), never a silent change.
 */
#ifndef SYSPACK_LZMA_IMMINTRIN_H
#define SYSPACK_LZMA_IMMINTRIN_H
#include <emmintrin.h> /* SSE2 */
#include <tmmintrin.h> /* SSSE3 */
#include <smmintrin.h> /* SSE4.1 */
#include <wmmintrin.h> /* CLMUL */
#endif
