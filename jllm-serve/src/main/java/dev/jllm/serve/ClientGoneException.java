package dev.jllm.serve;

import java.io.IOException;

/** Writing to the client failed: it closed the connection. The request's generation is cancelled. */
final class ClientGoneException extends IOException {
    ClientGoneException(IOException cause) {
        super("the client closed the connection", cause);
    }
}
