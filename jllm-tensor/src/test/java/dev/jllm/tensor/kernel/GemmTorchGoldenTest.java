package dev.jllm.tensor.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Gemm against torch.addmm results written by tools/gemm/make_gemm_fixture.py. */
class GemmTorchGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"nt_37x41x53", "tn_37x41x53"})
    void matchesTorchAddmm(String name) throws IOException {
        ByteBuffer buf;
        try (InputStream in = GemmTorchGoldenTest.class.getResourceAsStream("/gemm/" + name + ".bin")) {
            assertNotNull(in, "fixture /gemm/" + name + ".bin missing: run tools/gemm/make_gemm_fixture.py");
            buf = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        }
        int m = buf.getInt(), n = buf.getInt(), k = buf.getInt();
        boolean ta = buf.getInt() != 0, tb = buf.getInt() != 0;
        float alpha = buf.getFloat(), beta = buf.getFloat();
        float[] a = floats(buf, m * k), b = floats(buf, k * n), c = floats(buf, m * n), want = floats(buf, m * n);
        Gemm.sgemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
        for (int i = 0; i < c.length; i++) {
            // torch sums in float32 in its own order; agree to a few ulps of the k-term sums.
            assertEquals(want[i], c[i], 2e-5f * k, name + " element (" + i / n + "," + i % n + ")");
        }
    }

    private static float[] floats(ByteBuffer buf, int count) {
        float[] x = new float[count];
        buf.asFloatBuffer().get(x);
        buf.position(buf.position() + 4 * count);
        return x;
    }
}
