import { float, GraphBuilder } from '../util/onnx-graph.js';
import type { NamedTensor } from './use-lite-weights.js';

/**
 * The USE-lite encoder rebuilt as an ONNX graph from the published TF.js
 * graph's weights, so it runs on ONNX Runtime's CPU kernels (several times
 * TF.js-on-wasm's speed on this model).
 *
 * The published graph: token embeddings plus a sinusoidal timing signal; two
 * pre-norm transformer layers (4 heads; the first widens 256 → 512 with a
 * dense projection of its residual); mean pooling over the sentence's tokens;
 * a 512-wide tanh layer; L2 normalisation (done by the caller). It works on a
 * sparse batch and gathers/scatters the real tokens around each block; here a
 * padded batch is computed whole and the padding is kept out of every real
 * token by the attention bias and the pooling weights, so a sentence's vector
 * does not depend on its batch (tested against the TF.js graph).
 */
export interface UseLiteGraph {
  model: Uint8Array;
  /** Tokens the published graph reads per sentence; later ones are dropped. */
  maxTokens: number;
  /** Width of the `encoding` output. */
  dimension: number;
}

/** The graph's feeds: token ids [batch, tokens] (int64), attention bias [batch, 1, 1, tokens] (0 or -1e9), pooling weights [batch, 1, tokens] (1/length or 0). */
export const USE_LITE_INPUTS = { ids: 'ids', attentionBias: 'attention_bias', pooling: 'pooling' } as const;
export const USE_LITE_OUTPUT = 'encoding';

const MODULE = 'module/Encoder_en/KonaTransformer/Encode';
const APPLY = 'module_apply_default/Encoder_en/KonaTransformer';
const ENCODE = `${APPLY}/Encode`;
const STACK = `${ENCODE}/TransformerStack`;
const LAYERS = 2;

export function buildUseLiteGraph(tensors: ReadonlyMap<string, NamedTensor>): UseLiteGraph {
  const get = (name: string): NamedTensor => {
    const tensor = tensors.get(name);
    if (!tensor) throw new Error(`USE-lite weights lack ${name}: not the expected published model`);
    return tensor;
  };
  const scalarOf = (name: string): number => get(name).data[0]!;
  const g = new GraphBuilder('use_lite');
  const weight = (name: string, shape?: number[]): string => {
    const tensor = get(name);
    if (!(tensor.data instanceof Float32Array)) throw new Error(`USE-lite weight ${name} is not float32`);
    return g.weight(name, tensor.data, shape ?? tensor.shape);
  };
  const dense = (x: string, kernel: string, bias: string, inDim: number, outDim: number): string =>
    g.op('Add', [g.op('MatMul', [x, weight(kernel, [inDim, outDim])]), weight(bias)]);

  const maxTokens = scalarOf(`${APPLY}/ClipToMaxLength/Less/y`);
  const epsilon = scalarOf(`${STACK}/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`);
  const heads = scalarOf(`${STACK}/Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2`);
  const layerNorm = (x: string, prefix: string): string =>
    g.op('LayerNormalization', [x, weight(`${prefix}/layer_norm_scale/ConcatPartitions/concat`), weight(`${prefix}/layer_norm_bias/ConcatPartitions/concat`)], {
      axis: -1,
      epsilon: float(epsilon),
    });

  const ids = g.input(USE_LITE_INPUTS.ids, 'int64', ['batch', 'tokens']);
  const attentionBias = g.input(USE_LITE_INPUTS.attentionBias, 'float32', ['batch', 1, 1, 'tokens']);
  const pooling = g.input(USE_LITE_INPUTS.pooling, 'float32', ['batch', 1, 'tokens']);

  const embeddings = get('module/Embeddings_en');
  const tokenCount = g.op('Shape', [ids], { start: 1, end: 2 });
  const timing = g.op('Slice', [g.weight('timing_signal', timingSignal(get(`${STACK}/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`), maxTokens), [maxTokens, embeddings.shape[1]!]), g.int64([0]), tokenCount, g.int64([0])]);
  // The published graph adds the timing signal to the embeddings and then adds the embeddings again
  // (TransformerStack/Layer_0/add sums the scattered embeddings and AddTimingSignal's output), so every
  // token enters as 2·embedding + timing; the table is doubled here once (exact in float32).
  const doubled = new Float32Array(embeddings.data.length);
  for (let i = 0; i < doubled.length; i++) doubled[i] = 2 * embeddings.data[i]!; // a plain loop: Float32Array.from with a map boxed 2 M numbers (0.5 s)
  let x = g.op('Add', [g.op('Gather', [g.weight('token_embeddings', doubled, embeddings.shape), ids], { axis: 0 }), timing]);
  let width = embeddings.shape[1]!;

  for (let layer = 0; layer < LAYERS; layer++) {
    const at = `${ENCODE}/Layer_${layer}/TransformerLayer`;
    const split = get(`${STACK}/Layer_${layer}/TransformerLayer/MultiheadAttention/Const`).data;
    const attentionWidth = split[0]!;
    const outWidth = get(`${MODULE}/Layer_${layer}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`).shape[3]!;
    const normed = layerNorm(x, `${at}/layer_prepostprocess/layer_norm`);
    const qkv = dense(normed, `${MODULE}/Layer_${layer}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`, `${at}/MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`, width, 3 * attentionWidth);
    const headShape = g.int64([0, 0, heads, attentionWidth / heads]);
    const [q, k, v] = [0, 1, 2].map((part) => {
      const slice = g.op('Slice', [qkv, g.int64([part * attentionWidth]), g.int64([(part + 1) * attentionWidth]), g.int64([2])]);
      return g.op('Transpose', [g.op('Reshape', [slice, headShape])], { perm: [0, 2, 1, 3] });
    });
    const scaled = g.op('Mul', [q!, g.scalar(scalarOf(`${STACK}/Layer_${layer}/TransformerLayer/MultiheadAttention/mul/y`))]);
    const scores = g.op('Add', [g.op('MatMul', [scaled, g.op('Transpose', [k!], { perm: [0, 1, 3, 2] })]), attentionBias]);
    const attended = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v!]);
    const merged = g.op('Reshape', [g.op('Transpose', [attended], { perm: [0, 2, 1, 3] }), g.int64([0, 0, attentionWidth])]);
    const attentionOut = dense(merged, `${MODULE}/Layer_${layer}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`, `${at}/MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`, attentionWidth, outWidth);
    // The first layer widens the stream: its residual goes through a dense projection.
    const residual = width === outWidth ? x : dense(x, `${at}/dense/kernel/ConcatPartitions/concat`, `${at}/dense/bias/ConcatPartitions/concat`, width, outWidth);
    x = g.op('Add', [attentionOut, residual]);
    width = outWidth;

    const ffnIn = layerNorm(x, `${at}/FFN/layer_prepostprocess/layer_norm`);
    const inner = get(`${STACK}/Layer_${layer}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1`).shape[1]!;
    const hidden = g.op('Relu', [dense(ffnIn, `${STACK}/Layer_${layer}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1`, `${at}/FFN/conv1/bias/ConcatPartitions/concat`, width, inner)]);
    x = g.op('Add', [x, dense(hidden, `${STACK}/Layer_${layer}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1`, `${at}/FFN/conv2/bias/ConcatPartitions/concat`, inner, width)]);
  }

  // Mean over the sentence's tokens as one [1, tokens] × [tokens, width] product per sentence.
  const pooled = g.op('Squeeze', [g.op('MatMul', [pooling, x]), g.int64([1])]);
  const tanhWeights = get('module/Encoder_en/hidden_layers/tanh_layer_0/weights');
  const encoding = g.op('Tanh', [dense(pooled, 'module/Encoder_en/hidden_layers/tanh_layer_0/weights', 'module/Encoder_en/hidden_layers/tanh_layer_0/bias', width, tanhWeights.shape[1]!)]);
  g.output(encoding, USE_LITE_OUTPUT, 'float32', ['batch', tanhWeights.shape[1]!]);
  return { model: g.encode(), maxTokens, dimension: tanhWeights.shape[1]! };
}

/** The published timing signal, [sin(p·w) for each timescale w, cos(p·w) for each], for positions 0 … maxTokens-1. */
function timingSignal(inverseTimescales: NamedTensor, maxTokens: number): Float32Array {
  const scales = inverseTimescales.data;
  const width = 2 * scales.length;
  const table = new Float32Array(maxTokens * width);
  for (let position = 0; position < maxTokens; position++) {
    for (let i = 0; i < scales.length; i++) {
      const angle = Math.fround(position * scales[i]!);
      table[position * width + i] = Math.sin(angle);
      table[position * width + scales.length + i] = Math.cos(angle);
    }
  }
  return table;
}
