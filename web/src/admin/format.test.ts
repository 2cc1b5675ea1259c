import { describe, expect, it } from 'vitest';
import { formatDate, formatPrice } from './format';

describe('formatPrice', () => {
  it('groups thousands and keeps two places', () => {
    expect(formatPrice('19.90')).toBe('19.90');
    expect(formatPrice('1234567.5')).toBe('1,234,567.50');
    expect(formatPrice('0')).toBe('0.00');
    expect(formatPrice('odd')).toBe('odd');
  });
});

describe('formatDate', () => {
  it('leaves what is not a date as it is', () => {
    expect(formatDate('not a date')).toBe('not a date');
    expect(formatDate('2026-12-07T02:00:00Z')).toMatch(/2026/);
  });
});
