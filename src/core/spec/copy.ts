/**
 * Deep copy of plain data (what YAML's toJS and the JSON catalog produce): much cheaper than
 * structuredClone for the small objects the loader copies thousands of times. Anything that is not
 * a plain array or object (numbers, strings, typed arrays from `!!binary`) is shared, not copied.
 */
export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(deepCopy) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const copy = deepCopy((value as Record<string, unknown>)[key]);
      // defineProperty: a YAML key `__proto__` must stay a key, not become the prototype. Only
      // for that key: defining every property costs more than the copy itself.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
      else out[key] = copy;
    }
    return out as T;
  }
  return value;
}
