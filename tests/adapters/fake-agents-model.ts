import { Usage, type Model, type ModelRequest, type ModelResponse, type StreamEvent } from "@openai/agents";

/**
 * A `Model` for OpenAI Agents that calls one function tool with `args` (raw JSON text) on its
 * first turn, then answers "done" once it has seen the tool's output. `requests` keeps what the
 * SDK sent: its tool definitions and the function call outputs.
 */
export class CallsToolOnce implements Model {
  readonly requests: ModelRequest[] = [];

  constructor(
    private readonly toolName: string,
    private readonly args: string,
    private readonly callId = "call_0",
  ) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const answered = Array.isArray(request.input) && request.input.some((item) => item.type === "function_call_result");
    if (answered) {
      return { usage: new Usage(), output: [{ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "done" }] }] };
    }
    return { usage: new Usage(), output: [{ type: "function_call", callId: this.callId, name: this.toolName, arguments: this.args, status: "completed" }] };
  }

  // eslint-disable-next-line require-yield -- the tests never stream
  async *getStreamedResponse(): AsyncIterable<StreamEvent> {
    throw new Error("CallsToolOnce does not stream");
  }

  /** What the tool returned to the model, parsed. */
  toolOutput(): unknown {
    for (const request of this.requests) {
      if (!Array.isArray(request.input)) continue;
      for (const item of request.input) {
        if (item.type !== "function_call_result") continue;
        const output = item.output;
        const text = typeof output === "string" ? output : !Array.isArray(output) && output.type === "text" ? output.text : JSON.stringify(output);
        return JSON.parse(text);
      }
    }
    return undefined;
  }
}
