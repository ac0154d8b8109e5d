package dev.jllm.cli;

import dev.jllm.tensor.kernel.Simd;
import picocli.CommandLine;

/** {@code jllm --version}: the version, the JVM and the kernel path in use. */
public final class VersionInfo implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {
                "jllm " + (v == null ? "dev" : v),
                "java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
                Simd.describe(),
        };
    }
}
