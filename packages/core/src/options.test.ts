import { expect, describe as group, it } from 'vitest';
import { NablaError } from './errors.js';
import { checkArg, checkArity, checkOptions, is, nearestKey } from './options.js';

const schema = { batchSize: is.positiveInteger, epochs: is.positiveInteger, shuffle: is.boolean, verbose: is.oneOf(0, 1, 2) };

group('checkOptions', () => {
  it('returns the options, or {} for undefined', () => {
    expect(checkOptions('fit', { batchSize: 4 }, schema)).toEqual({ batchSize: 4 });
    expect(checkOptions('fit', undefined, schema)).toEqual({});
    expect(checkOptions('fit', { batchSize: undefined }, schema)).toEqual({ batchSize: undefined });
  });

  it('names an unknown key, suggests the nearest and lists the valid ones', () => {
    expect(() => checkOptions('fit', { batch_size: 4 } as object, schema)).toThrow(
      "fit: unknown option 'batch_size'; did you mean 'batchSize'? (valid options: batchSize, epochs, shuffle, verbose)",
    );
    expect(() => checkOptions('fit', { epohcs: 4 } as object, schema)).toThrow("did you mean 'epochs'?");
    expect(() => checkOptions('fit', { zzz: 1 } as object, schema)).toThrow(/unknown option 'zzz' \(valid options/);
    expect(() => checkOptions('f', { a: 1 } as object, {})).toThrow("f: unknown option 'a' (it takes no options)");
  });

  it('names a value of the wrong type', () => {
    expect(() => checkOptions('fit', { batchSize: '32' } as object, schema)).toThrow(
      "fit: option 'batchSize' must be a positive integer, got '32' (string)",
    );
    expect(() => checkOptions('fit', { verbose: 3 }, schema)).toThrow("option 'verbose' must be one of 0, 1, 2, got 3 (number)");
    expect(() => checkOptions('fit', { shuffle: 1 } as object, schema)).toThrow(NablaError);
  });

  it('rejects what is not a plain object', () => {
    expect(() => checkOptions('fit', 5 as unknown as object, schema)).toThrow('fit: options must be a plain object, got 5 (number)');
    expect(() => checkOptions('fit', [1] as unknown as object, schema)).toThrow('got [1] (array)');
    expect(() => checkOptions('fit', new Map() as unknown as object, schema)).toThrow('got a Map');
  });
});

group('nearestKey', () => {
  it('matches other case styles and near spellings, not strangers', () => {
    expect(nearestKey('learning_rate', ['learningRate', 'momentum'])).toBe('learningRate');
    expect(nearestKey('KEEP_DIMS', ['keepDims', 'axis'])).toBe('keepDims');
    expect(nearestKey('momentun', ['learningRate', 'momentum'])).toBe('momentum');
    expect(nearestKey('lr', ['learningRate', 'momentum'])).toBeUndefined();
  });
});

group('checkArg and checkArity', () => {
  it('checks one argument', () => {
    expect(() => checkArg('gelu', 'approximate', 'false', is.boolean)).toThrow(
      "gelu: argument 'approximate' must be a boolean, got 'false' (string)",
    );
    expect(() => checkArg('gelu', 'approximate', undefined, is.boolean)).not.toThrow();
    expect(() => checkArg('ones', 'shape', undefined, is.integers, false)).toThrow("ones: argument 'shape' is required");
    expect(() => checkArg('pad', 'value', 'x', is.either(is.number, is.boolean))).toThrow(
      "pad: argument 'value' must be a number or a boolean, got 'x' (string)",
    );
  });

  it('rejects stray positional arguments', () => {
    expect(() => checkArity('sum', [1, 2, 3, 'extra'], 3)).toThrow("sum: takes at most 3 arguments, got 4 (the extra: 'extra' (string))");
    expect(() => checkArity('sum', [1, 2], 3)).not.toThrow();
  });
});
