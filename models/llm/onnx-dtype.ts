/**
 * The weight formats transformers.js loads, and the file each one is in
 * (`onnx/model<suffix>.onnx`, plus `…onnx_data*` external weights when large).
 */
export const ONNX_DTYPES = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;

export type OnnxDtype = keyof typeof ONNX_DTYPES;

/** `onnx/model_q4.onnx` for q4. */
export function onnxFileFor(dtype: OnnxDtype, base = 'model'): string {
  return `onnx/${base}${ONNX_DTYPES[dtype]}.onnx`;
}
