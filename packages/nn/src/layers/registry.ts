import * as nb from '@nabla/core';
import { unknownName } from '../options.js';
import type { Layer } from './layer.js';

/** A layer class as the registry holds it: constructed from its whole config (TensorFlow.js's form). */
export type LayerClass = abstract new (config: Record<string, unknown>) => Layer;
type Concrete = new (config: Record<string, unknown>) => Layer;

/**
 * The layer classes by registered name: what layerFromConfig (and so loadModel) rebuilds from a
 * saved `{ className, config }`, and what exporters look up. Built-in layers register themselves
 * where they are defined; a custom layer registers itself the same way, once, before a model
 * holding it is loaded.
 */
const classes = new Map<string, Concrete>();
const names = new Map<LayerClass, string>();

/**
 * Registers a layer class under `className` (Keras's register_keras_serializable). Registering
 * the same class again is harmless; another class under a taken name is an error.
 */
export function registerLayer(className: string, cls: LayerClass, ...extra: unknown[]): void {
  nb.checkArity('registerLayer', [className, cls, ...extra], 2);
  nb.checkArg('registerLayer', 'className', className, nb.is.string);
  if (className === '') throw new nb.NablaError('registerLayer: className must not be empty');
  if (typeof cls !== 'function') throw new nb.NablaError(`registerLayer: expected a layer class, got ${nb.describe(cls)}`);
  const taken = classes.get(className);
  if (taken === cls) return;
  if (taken !== undefined) throw new nb.NablaError(`registerLayer: '${className}' is registered to another class already`);
  classes.set(className, cls as unknown as Concrete);
  names.set(cls, className);
}

/** The name a class was registered under, if it was. */
export function registeredName(cls: unknown): string | undefined {
  return names.get(cls as LayerClass);
}

/** The registered class names, sorted. */
export function registeredLayers(...extra: unknown[]): string[] {
  nb.checkArity('registeredLayers', extra, 0);
  return [...classes.keys()].sort();
}

/** Rebuilds a layer from { className, config } as saved by a model (architecture only). */
export function layerFromConfig(className: string, config: Record<string, unknown>, ...extra: unknown[]): Layer {
  nb.checkArity('layerFromConfig', [className, config, ...extra], 2);
  const cls = classes.get(className);
  if (cls === undefined) throw unknownName('layerFromConfig', 'layer class', className, registeredLayers());
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new nb.NablaError(`layerFromConfig: config of ${className} must be an object, got ${nb.describe(config)}`);
  }
  // Every layer takes its whole config as one options object (TensorFlow.js's form).
  return new cls({ ...config });
}
