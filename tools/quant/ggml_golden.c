// Golden quantization fixtures from ggml's own reference code (not committed; see make_quant_goldens.sh).
// Writes input.f32 (the test input) and, per type, <type>.q (quantize_row_<type>_ref bytes) and
// <type>.f32 (dequantize_row_<type> of those bytes) into the output directory.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ggml.h"
#include "ggml-quants.h"

#define N (24 * 256)

// ggml.c is not linked: these are referenced by quantizers the harness never calls.
void ggml_abort(const char *file, int line, const char *fmt, ...) { fprintf(stderr, "ggml_abort %s:%d %s\n", file, line, fmt); abort(); }
size_t ggml_row_size(enum ggml_type type, int64_t ne) { (void) type; (void) ne; abort(); }
size_t ggml_type_size(enum ggml_type type) { (void) type; abort(); }
const char *ggml_type_name(enum ggml_type type) { (void) type; return "?"; }

static uint64_t state = 0x9E3779B97F4A7C15ull;
static double uniform(void) {  // xorshift64*: reproducible, no libc rand
    state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
    return ((state * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
}
static double gauss(void) { return sqrt(-2 * log(uniform() + 1e-300)) * cos(6.283185307179586 * uniform()); }

static void write(const char *dir, const char *name, const void *p, size_t n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) { perror(path); exit(1); }
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s OUTDIR\n", argv[0]); return 2; }
    static float x[N], y[N];
    for (int b = 0; b < N / 256; b++) {
        float *v = x + 256 * b;
        for (int i = 0; i < 256; i++) {
            switch (b % 12) {
                case 0: v[i] = gauss(); break;
                case 1: v[i] = uniform() * 2 - 1; break;
                case 2: v[i] = gauss() * 1e-6; break;                 // tiny
                case 3: v[i] = gauss() * 1e4; break;                  // large
                case 4: v[i] = 0; break;                              // all zero
                case 5: v[i] = i == 77 ? -50 : gauss() * 0.1; break;  // negative outlier
                case 6: v[i] = 0.75f; break;                          // constant
                case 7: v[i] = (i % 3 == 0) ? 0 : gauss(); break;     // sparse
                case 8: v[i] = uniform(); break;                      // all positive
                case 9: v[i] = -uniform() * 3; break;                 // all negative
                case 10: v[i] = (i / 16) % 2 ? gauss() : 0; break;    // zero sub-blocks
                default: v[i] = gauss() * (1 + (i % 32)); break;      // scale ramps inside blocks
            }
        }
    }
    const char *dir = argv[1];
    write(dir, "input.f32", x, sizeof x);
#define RUN(T, BLOCK, QK)                                                    \
    {                                                                        \
        static BLOCK q[N / (QK)];                                            \
        memset(q, 0, sizeof q);                                              \
        quantize_row_##T##_ref(x, q, N);                                     \
        dequantize_row_##T(q, y, N);                                         \
        write(dir, #T ".q", q, sizeof q);                                    \
        write(dir, #T ".f32", y, sizeof y);                                  \
    }
    RUN(q4_0, block_q4_0, 32) RUN(q4_1, block_q4_1, 32) RUN(q5_0, block_q5_0, 32) RUN(q5_1, block_q5_1, 32)
    RUN(q8_0, block_q8_0, 32) RUN(q2_K, block_q2_K, 256) RUN(q3_K, block_q3_K, 256) RUN(q4_K, block_q4_K, 256)
    RUN(q5_K, block_q5_K, 256) RUN(q6_K, block_q6_K, 256) RUN(iq4_nl, block_iq4_nl, 32) RUN(iq4_xs, block_iq4_xs, 256)
    return 0;
}
