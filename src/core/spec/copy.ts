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
      // defineProperty: a YAML key `__proto__` must stay a key, not become the prototype.
      Object.defineProperty(out, key, { value: deepCopy((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
    }
    return out as T;
  }
  return value;
}
