import type { Tensor } from '@nabla/core';
import * as nb from '@nabla/core';
import { checkConfig, numberOrOptions } from '../options.js';

/**
 * A learning rate as a function of the number of completed steps, evaluated on the host. The
 * built-in schedules (schedules.ts) carry `className` and `getConfig` so they can be saved.
 */
export type LearningRateSchedule = { (iterations: number): number; getConfig?(): Record<string, unknown>; className?: string };

export interface OptimizerConfig {
  learningRate?: number | LearningRateSchedule;
  /** Keras clipnorm: each gradient tensor rescaled to at most this L2 norm. */
  clipNorm?: number;
  /** Keras clipvalue: each element clipped to [-v, v]. */
  clipValue?: number;
  /** Keras global_clipnorm: all gradients rescaled jointly to at most this global norm. */
  globalClipNorm?: number;
}

/** An update's per-step scalars (Optimizer.stepScalars) as scalar tensors, by name. */
export type StepScalars = Record<string, Tensor>;

/** Optimizer state: per slot group (Optimizer.slotGroups), its slot tensors by slot name. */
export type Slots = Record<string, Record<string, Tensor>>;

/**
 * Parameters whose slots are one set of tensors. A group of several small parameters is
 * updated as one flat vector; its key joins their names with '+'. A group of one is keyed by
 * the parameter's name and its slots have the parameter's shape.
 */
export interface SlotGroup {
  key: string;
  names: string[];
}

/** Whether `slots` were made for these groups (the same keys in order): a changed trainable set needs fresh ones. */
export function slotsFitGroups(groups: SlotGroup[], slots: Slots): boolean {
  return groups.map((g) => g.key).join('\n') === Object.keys(slots).join('\n');
}

/**
 * Parameters up to this many elements share flat slots, per dtype, unless their backend states
 * another limit (`capabilities.flatSlotLimit`). A small model's update is then a dozen ops rather
 * than a dozen per parameter: on runtimes with a fixed cost per op, such as onnxruntime, that is
 * most of a small training step. Larger parameters are updated alone, since flattening them would
 * copy them every step.
 */
export const FLAT_SLOT_LIMIT = 4096;

/** The flat-slot limit of the backend a parameter lives on. */
function flatSlotLimit(p: Tensor): number {
  return nb.getBackendInstance(p.backend).capabilities.flatSlotLimit ?? FLAT_SLOT_LIMIT;
}

/** How a built-in schedule appears in an optimizer's config: enough to rebuild it. */
export interface SerializedSchedule {
  className: string;
  config: Record<string, unknown>;
}

// Validation helpers shared by the optimizers. `owner` names the optimizer in the message.

export function checkPositive(owner: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
    throw new nb.NablaError(`${owner}: ${key} must be a positive number, got ${fmt(v)}`);
  return v;
}

export function checkNonNegative(owner: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
    throw new nb.NablaError(`${owner}: ${key} must be a number >= 0, got ${fmt(v)}`);
  return v;
}

/** A decay rate such as Adam's betas or RMSprop's rho: in [0, 1). */
export function checkUnitInterval(owner: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new nb.NablaError(`${owner}: ${key} must be in [0, 1), got ${fmt(v)}`);
  return v;
}

export function checkBoolean(owner: string, key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new nb.NablaError(`${owner}: ${key} must be a boolean, got ${fmt(v)}`);
  return v;
}

export function fmt(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/**
 * The options every optimizer takes; each subclass adds its own (its static OPTIONS). The schema
 * rejects unknown keys; the constructors check the values (ranges included).
 */
export const OPTIMIZER_OPTIONS: nb.OptionSchema = {
  learningRate: nb.is.any,
  clipNorm: nb.is.any,
  clipValue: nb.is.any,
  globalClipNorm: nb.is.any,
};

/**
 * A built-in optimizer's constructor arguments: `(learningRate)` as TensorFlow.js's
 * `tf.train.adam(0.01)` and Keras's first positional argument, or `(config)`, checked against
 * the class's OPTIONS (an unknown key, Keras's `learning_rate` or `lr` included, is an error
 * naming the camelCase one). A second argument is an error, not ignored. The learning rate
 * defaults to `defaultLearningRate`.
 */
export function optimizerArgs<T extends OptimizerConfig>(
  cls: { readonly name: string; readonly OPTIONS: nb.OptionSchema },
  args: ArrayLike<unknown>,
  defaultLearningRate: number,
): T {
  const op = cls.name;
  const given = numberOrOptions<T>(op, args, 'learningRate');
  const config = checkConfig(op, given, cls.OPTIONS) as T;
  return { ...config, learningRate: config.learningRate ?? defaultLearningRate };
}

function checkLearningRate(owner: string, v: unknown): number | LearningRateSchedule {
  if (typeof v === 'function') return v as LearningRateSchedule;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new nb.NablaError(`${owner}: learningRate must be a positive number or a schedule, got ${fmt(v)}`);
  }
  return v;
}

/**
 * The base of every optimizer. The training loop owns the parameters, slots and step counter;
 * an optimizer is a pure function from them to new ones (`apply`), written with lazy ops only so
 * that a whole training step records one graph whose structure repeats, and compiles once.
 */
export abstract class Optimizer {
  /** 'SGD', 'Adam', ... Subclasses define it as a getter so it is available in this constructor. */
  abstract readonly className: string;
  readonly clipNorm?: number;
  readonly clipValue?: number;
  readonly globalClipNorm?: number;
  private lr: number | LearningRateSchedule;

  /** Subclasses fill in their own default learning rate before calling this; Keras's base default is 0.001. */
  constructor(config: OptimizerConfig) {
    // Safe here because subclasses define className as a prototype getter (TS cannot know that).
    const owner = (this as { readonly className: string }).className;
    this.lr = checkLearningRate(owner, config.learningRate ?? 0.001);
    if (config.clipNorm !== undefined) this.clipNorm = checkPositive(owner, 'clipNorm', config.clipNorm);
    if (config.clipValue !== undefined) this.clipValue = checkPositive(owner, 'clipValue', config.clipValue);
    if (config.globalClipNorm !== undefined) this.globalClipNorm = checkPositive(owner, 'globalClipNorm', config.globalClipNorm);
    // Keras applies only one of them (clipnorm, else global_clipnorm, else clipvalue) and drops
    // the rest silently; asking for two is a mistake worth reporting.
    const set = (['clipNorm', 'clipValue', 'globalClipNorm'] as const).filter((k) => config[k] !== undefined);
    if (set.length > 1)
      throw new nb.NablaError(`${owner}: only one of clipNorm, clipValue and globalClipNorm can be set, got ${set.join(' and ')}`);
  }

  /** A number or a schedule; callbacks (ReduceLROnPlateau, ...) may assign a new number. */
  get learningRate(): number | LearningRateSchedule {
    return this.lr;
  }
  set learningRate(v: number | LearningRateSchedule) {
    this.lr = checkLearningRate(this.className, v);
  }

  /** The learning rate to use after `iterations` completed steps (a schedule is evaluated on the host). */
  currentLearningRate(iterations: number): number {
    if (typeof this.lr === 'number') return this.lr;
    const v = this.lr(iterations);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new nb.NablaError(
        `${this.className}: the learning rate schedule returned ${fmt(v)} at iteration ${iterations}; expected a finite number`,
      );
    }
    return v;
  }

  /** The slot names this optimizer keeps per parameter, given its configuration. */
  protected abstract slotNames(): string[];

  /** slotNames, for the code that saves and restores an optimizer's state (io/optimizer-state.ts). */
  stateSlotNames(): string[] {
    return this.slotNames();
  }

  /** A slot's starting value: zero, unless the algorithm starts elsewhere (Adagrad). */
  protected initialSlotValue(_slot: string): number {
    return 0;
  }

  /**
   * Whether updateOne treats every element on its own (true of every built-in rule). Only then
   * may small parameters be updated as one flat vector; a rule that reads a whole tensor (a
   * per-tensor norm) overrides this to false.
   */
  protected get elementwise(): boolean {
    return true;
  }

  /** How `params` share slots: each parameter over its backend's flat-slot limit alone, the rest by dtype. */
  slotGroups(params: Record<string, Tensor>): SlotGroup[] {
    const groups: SlotGroup[] = [];
    const small = new Map<nb.DType, string[]>();
    for (const [name, p] of Object.entries(params)) {
      if (!this.elementwise || p.size > flatSlotLimit(p)) groups.push({ key: name, names: [name] });
      else if (small.has(p.dtype)) small.get(p.dtype)?.push(name);
      else small.set(p.dtype, [name]);
    }
    for (const names of small.values()) groups.push({ key: names.join('+'), names });
    return groups;
  }

  /** Fresh slots for `params`, per slot group. */
  initSlots(params: Record<string, Tensor>): Slots {
    const slots: Slots = {};
    for (const { key, names } of this.slotGroups(params)) {
      const { dtype } = params[names[0]];
      const shape = slotShape(params, names);
      slots[key] = Object.fromEntries(this.slotNames().map((s) => [s, nb.fill(shape, this.initialSlotValue(s), dtype)]));
    }
    return slots;
  }

  /**
   * What an update reads that depends only on the step: the learning rate and, for Adam, the
   * bias-corrected step size. They are computed here, on the host in float64, once per step for
   * all parameters (as PyTorch's Adam does), and enter the compiled step as data: as graph ops
   * they would be a handful of nodes per step, which on small models costs more than the update.
   * `iterations` is the number of completed steps.
   */
  stepScalars(iterations: number): Record<string, number> {
    return { lr: this.currentLearningRate(iterations) };
  }

  /** The names stepScalars returns, in its order: the columns of a compiled step's per-step input. */
  stepScalarNames(): string[] {
    return Object.keys(this.stepScalars(0));
  }

  /** stepScalars as scalar tensors, to call apply directly. */
  stepTensors(iterations: number, dtype: nb.DType = 'float32'): StepScalars {
    return Object.fromEntries(Object.entries(this.stepScalars(iterations)).map(([k, v]) => [k, nb.scalar(v, dtype)]));
  }

  /**
   * One training step, as lazy ops only (no reads, no host round trips), so the whole step can be
   * compiled once: clips the gradients as configured, then updates every parameter. `scalars`
   * are this step's stepScalars as scalar tensors (of any float dtype).
   * Returns NEW tensors; does not dispose or mutate anything.
   */
  apply(
    params: Record<string, Tensor>,
    grads: Record<string, Tensor>,
    slots: Slots,
    scalars: StepScalars,
  ): { params: Record<string, Tensor>; slots: Slots } {
    const groups = this.checkApply(params, grads, slots, scalars);
    // The intermediates are disposed here; pending nodes keep what they read, so the result stays computable.
    return nb.tidy(() => {
      const names = Object.keys(params);
      const clipped = this.clipGradients(names.map((k) => grads[k]));
      const gradOf = Object.fromEntries(names.map((k, i) => [k, nb.cast(clipped[i], params[k].dtype)]));
      const outParams: Record<string, Tensor> = {};
      const outSlots: Slots = {};
      // The scalars in each parameter dtype, cast once per dtype rather than once per parameter.
      const perDtype = new Map<string, StepScalars>();
      const scalarsFor = (dtype: nb.DType) => {
        let c = perDtype.get(dtype);
        if (!c) {
          c = Object.fromEntries(Object.entries(scalars).map(([k, t]) => [k, nb.cast(t, dtype)]));
          perDtype.set(dtype, c);
        }
        return c;
      };
      for (const { key, names } of groups) {
        // A group of several is one flat vector: concatenated, updated once, split again.
        const one = names.length === 1;
        const flat = (ts: Tensor[]) =>
          one
            ? ts[0]
            : nb.concat(
                ts.map((t) => nb.reshape(t, [t.size])),
                0,
              );
        const r = this.updateOne(
          flat(names.map((k) => params[k])),
          flat(names.map((k) => gradOf[k])),
          slots[key] ?? {},
          scalarsFor(params[names[0]].dtype),
        );
        outSlots[key] = r.slots;
        if (one) outParams[key] = r.param;
        else {
          const pieces = nb.split(
            r.param,
            names.map((k) => params[k].size),
            0,
          );
          names.forEach((k, i) => {
            outParams[k] = nb.reshape(pieces[i], params[k].shape);
          });
        }
      }
      return { params: outParams, slots: outSlots };
    });
  }

  /**
   * The update rule for one parameter (or, see `elementwise`, for several small ones as one flat
   * vector): the new value and the new slots, as lazy ops.
   */
  protected abstract updateOne(
    param: Tensor,
    grad: Tensor,
    slots: Record<string, Tensor>,
    scalars: StepScalars,
  ): { param: Tensor; slots: Record<string, Tensor> };

  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { learningRate: serializeLearningRate(this.lr) };
    if (this.clipNorm !== undefined) config.clipNorm = this.clipNorm;
    if (this.clipValue !== undefined) config.clipValue = this.clipValue;
    if (this.globalClipNorm !== undefined) config.globalClipNorm = this.globalClipNorm;
    return config;
  }

  /** Checks the arguments of apply when the step is recorded, so errors point at the caller. */
  private checkApply(params: Record<string, Tensor>, grads: Record<string, Tensor>, slots: Slots, scalars: StepScalars): SlotGroup[] {
    const owner = `${this.className}.apply`;
    const keys = Object.keys(params);
    for (const k of keys) if (!(k in grads)) throw new nb.NablaError(`${owner}: no gradient for parameter '${k}'`);
    for (const k of Object.keys(grads)) if (!(k in params)) throw new nb.NablaError(`${owner}: gradient '${k}' has no matching parameter`);
    for (const what of this.stepScalarNames()) {
      const t = scalars?.[what];
      if (!(t instanceof nb.Tensor) || t.size !== 1)
        throw new nb.NablaError(
          `${owner}: step scalar '${what}' must be a scalar tensor (see stepTensors), got ${t instanceof nb.Tensor ? `shape [${t.shape.join(',')}]` : fmt(t)}`,
        );
    }
    for (const k of keys) {
      const p = params[k];
      const g = grads[k];
      if (p.dtype !== 'float32' && p.dtype !== 'float64')
        throw new nb.NablaError(`${owner}: parameter '${k}' has dtype ${p.dtype}; only float parameters can be trained`);
      if (!nb.shapesEqual(g.shape, p.shape)) {
        throw new nb.NablaError(`${owner}: gradient '${k}' has shape [${g.shape.join(',')}], parameter has shape [${p.shape.join(',')}]`);
      }
    }
    const groups = this.slotGroups(params);
    for (const { key, names } of groups) {
      const what = names.length === 1 ? `parameter '${key}'` : `parameters '${key}'`;
      const shape = slotShape(params, names);
      for (const s of this.slotNames()) {
        const t = slots[key]?.[s];
        if (t === undefined) throw new nb.NablaError(`${owner}: missing slot '${s}' for ${what} (create slots with initSlots)`);
        if (!nb.shapesEqual(t.shape, shape)) {
          throw new nb.NablaError(`${owner}: slot '${s}' of ${what} has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
        }
      }
    }
    return groups;
  }

  /** Keras semantics: clipNorm per tensor, globalClipNorm jointly, clipValue per element. */
  private clipGradients(grads: Tensor[]): Tensor[] {
    if (this.clipNorm !== undefined) {
      const c = this.clipNorm;
      // g * c / max(||g||, c): the scale is exactly 1 when the norm is within the limit.
      return grads.map((g) => nb.mul(g, nb.div(c, nb.maximum(nb.norm(g), c))));
    }
    if (this.globalClipNorm !== undefined && grads.length > 0) {
      const c = this.globalClipNorm;
      let sq = nb.sum(nb.square(grads[0]));
      for (const g of grads.slice(1)) sq = nb.add(sq, nb.sum(nb.square(g)));
      const scale = nb.div(c, nb.maximum(nb.sqrt(sq), c));
      return grads.map((g) => nb.mul(g, nb.cast(scale, g.dtype)));
    }
    if (this.clipValue !== undefined) {
      const v = this.clipValue;
      return grads.map((g) => nb.clip(g, -v, v));
    }
    return grads;
  }
}

/** The shape of a slot group's slots: the parameter's own, or flat for several. */
/** The shape of a slot group's slots: the parameter's own, or one flat vector for several. */
export function slotShape(params: Record<string, Tensor>, names: string[]): number[] {
  if (names.length === 1) return [...params[names[0]].shape];
  let size = 0;
  for (const k of names) size += params[k].size;
  return [size];
}

/** A number stays a number; a built-in schedule becomes { className, config }; any other function is kept as is. */
export function serializeLearningRate(lr: number | LearningRateSchedule): number | SerializedSchedule | LearningRateSchedule {
  if (typeof lr === 'number') return lr;
  if (lr.className !== undefined && lr.getConfig !== undefined) return { className: lr.className, config: lr.getConfig() };
  return lr;
}
