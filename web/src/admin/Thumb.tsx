import type { Variant } from './api';

/**
 * Thumb is an image's 100 px thumbnail (the "thumb" preset) in a box of fixed size, so nothing
 * moves when it loads; the placeholder (a tiny data: URI) shows behind it meanwhile.
 */
export function Thumb({ thumb, placeholder, alt = '' }: { thumb: Variant | null | undefined; placeholder?: string | null; alt?: string }) {
  if (!thumb) return <span className="thumb thumb-empty" aria-hidden="true" />;
  return (
    <span className="thumb">
      <img
        src={thumb.url}
        width={thumb.width}
        height={thumb.height}
        alt={alt}
        loading="lazy"
        decoding="async"
        style={placeholder ? { backgroundImage: `url("${placeholder}")` } : undefined}
      />
    </span>
  );
}
