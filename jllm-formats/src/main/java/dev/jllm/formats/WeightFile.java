package dev.jllm.formats;

import dev.jllm.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of a model file (GGUF, safetensors, ONNX initializers): its metadata and
 * its tensors. Tensor data stays in the file (memory-mapped); tensors are views over the
 * mapping and stay valid until {@link #close()}.
 */
public interface WeightFile extends AutoCloseable {
    /** "gguf", "safetensors" or "onnx". */
    String format();

    /** The file (or directory / index file for sharded models) this was opened from. */
    Path path();

    /** Metadata as plain Java values (see docs/formats.md for the convention per format). */
    Map<String, Object> metadata();

    /** Every tensor the file declares, in file order, without touching data. */
    List<TensorEntry> entries();

    /** The named tensor as a view over the mapped file; throws if absent. */
    Tensor tensor(String name);

    /**
     * All tensors by name, in file order. Throws IllegalArgumentException if any has a dtype
     * jllm cannot compute with; walk {@link #entries()} and call {@link #tensor} to skip those.
     */
    default Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (TensorEntry e : entries()) out.put(e.name(), tensor(e.name()));
        return out;
    }

    /** Unmaps the file; tensors obtained from it must not be used afterwards. */
    @Override
    void close();
}
