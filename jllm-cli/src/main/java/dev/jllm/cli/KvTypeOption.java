package dev.jllm.cli;

import dev.jllm.models.KvCache;
import dev.jllm.tensor.DType;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --kv-type F32|F16|Q8_0} for {@code generate}, {@code chat}, {@code score} and
 * {@code bench -m} (a picocli mixin); {@code serve} and {@code bench serve} parse their own
 * {@code --kv-type} (default F16) with the same {@link Converter}.
 */
final class KvTypeOption {
    @Option(names = "--kv-type", defaultValue = "F32", paramLabel = "TYPE", converter = Converter.class,
            description = "KV cache elements: F32 (exact), F16 (half the memory) or Q8_0 (0.27x: int8 blocks of 32 with an "
                    + "f16 scale) (default: ${DEFAULT-VALUE}). Q8_0 needs cache rows (KV heads x head dim; DeepSeek: kv_lora_rank + rope dim) of a multiple of 32.")
    DType kvType = DType.F32;

    /** F32, F16 or Q8_0 in any case; anything else names the three. */
    static final class Converter implements CommandLine.ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            try {
                return KvCache.parseType(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
