package dev.jllm.formats.gguf;

/** The type tags of GGUF metadata values ({@code gguf_metadata_value_type}). */
public enum GgufType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4),
    FLOAT32(6, 4), BOOL(7, 1), STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int byteSize;

    GgufType(int id, int byteSize) {
        this.id = id;
        this.byteSize = byteSize;
    }

    /** The tag as written in the file. */
    public int id() { return id; }

    /** Bytes of one value, or -1 for the variable-length STRING and ARRAY. */
    public int byteSize() { return byteSize; }

    public boolean isInteger() { return this != FLOAT32 && this != FLOAT64 && this != BOOL && byteSize > 0; }

    public boolean isUnsigned() { return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64; }

    /** The type with this tag, or null. */
    public static GgufType fromId(int id) {
        for (GgufType t : values()) if (t.id == id) return t;
        return null;
    }
}
