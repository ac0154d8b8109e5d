package dev.jllm.serve;

/**
 * A function call found in the model's output, as the API returns it.
 *
 * @param arguments the arguments as a JSON text (OpenAI sends a string, not an object)
 */
record ParsedToolCall(String id, String name, String arguments) {}
