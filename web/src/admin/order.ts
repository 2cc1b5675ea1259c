// Reordering a product's images: the page moves one image, and every image whose position no
// longer matches its place gets updateProductImage(position:) (the server does not renumber).

/** moveItem returns a copy of list with the item at `from` moved to `to`. */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  const out = [...list];
  if (from < 0 || from >= out.length || to < 0 || to >= out.length || from === to) return out;
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item);
  return out;
}

/** positionUpdates gives, for images in their new order, the positions to save: 0, 1, 2, … */
export function positionUpdates(ordered: readonly { id: string; position: number }[]): { id: string; position: number }[] {
  return ordered.flatMap((img, i) => (img.position === i ? [] : [{ id: img.id, position: i }]));
}
