import type { Reference } from '@apollo/client';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { useId, useRef, useState, type DragEvent } from 'react';
import { DELETE_IMAGE, UPDATE_IMAGE, type ImageDetail, type ProductDetail } from './api';
import { problemsOf } from './errors';
import { formatBytes, humanSize } from './fileCheck';
import { moveItem, positionUpdates } from './order';
import { Thumb } from './Thumb';
import { UploadList } from './UploadList';
import type { ImageUploads } from './useImageUploads';

const IMAGE_DRAG = 'application/x-mediagraph-image';

/** hasFiles says whether a drag carries files (not one of the page's images being reordered). */
export const hasFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files');

/** ProductImages is the product's images, in order: add, describe, reorder and delete them. */
export function ProductImages({ product, uploads }: { product: ProductDetail; uploads: ImageUploads }) {
  const client = useApolloClient();
  const uid = useId();
  const [order, setOrder] = useState<string[] | null>(null); // while a reorder is being saved
  const [problem, setProblem] = useState<string | null>(null);
  const [announce, setAnnounce] = useState('');
  const [dragID, setDragID] = useState<string | null>(null);
  const [update] = useMutation(UPDATE_IMAGE);
  const inputRef = useRef<HTMLInputElement>(null);

  const byID = new Map(product.images.map((i) => [i.id, i]));
  const images = order ? order.map((id) => byID.get(id)).filter((i): i is ImageDetail => !!i) : product.images;

  const move = async (from: number, to: number) => {
    if (to < 0 || to >= images.length || from === to) return;
    const moved = moveItem(images, from, to);
    setOrder(moved.map((i) => i.id));
    setProblem(null);
    const moving = `Moved image ${from + 1} to place ${to + 1} of ${images.length}.`;
    setAnnounce(`${moving} Saving the order…`);
    try {
      for (const u of positionUpdates(moved)) await update({ variables: u });
      // The answers updated each image's position in the cache; the list follows them.
      client.cache.modify<ProductDetail>({
        id: client.cache.identify({ __typename: 'Product', id: product.id }),
        fields: {
          images: (refs, { readField }) =>
            [...(refs as readonly Reference[])].sort(
              (a, b) => (readField<number>('position', a) ?? 0) - (readField<number>('position', b) ?? 0) || Number(readField<string>('id', a)) - Number(readField<string>('id', b)),
            ),
        },
      });
      setAnnounce(`${moving} Order saved.`);
    } catch (err) {
      setAnnounce(moving);
      setProblem(`The new order could not be saved: ${problemsOf(err)[0]?.message}`);
    } finally {
      setOrder(null);
    }
  };

  const rules = uploads.rule;
  return (
    <section className="panel" aria-labelledby={`${uid}-h`}>
      <div className="section-head">
        <h2 id={`${uid}-h`}>
          Images <span className="count">{images.length}</span>
        </h2>
        <div className="add-images">
          <input
            ref={inputRef}
            id={`${uid}-add`}
            className="file-input"
            type="file"
            multiple
            accept={rules?.contentTypes.join(',') ?? 'image/jpeg,image/png,image/gif,image/webp'}
            onChange={(e) => {
              if (e.target.files) uploads.add(e.target.files);
              e.target.value = '';
            }}
          />
          <label htmlFor={`${uid}-add`} className="button primary">
            Add images
          </label>
        </div>
      </div>
      <p className="muted small drop-hint">
        Or drop image files anywhere on this page.
        {rules &&
          ` JPEG, PNG, GIF or WebP; at least ${rules.minWidth ?? 1}×${rules.minHeight ?? 1} pixels; at most ${formatBytes(rules.maxBytes)}.`}
      </p>
      <UploadList uploads={uploads} />
      {problem && (
        <p className="alert" role="alert">
          {problem}
        </p>
      )}
      <p className="visually-hidden" role="status">
        {announce}
      </p>
      {images.length === 0 ? (
        <p className="empty-box">No images yet.</p>
      ) : (
        <ol className="images" aria-label="Images, in order">
          {images.map((img, i) => (
            <li
              key={img.id}
              className={`image-row${dragID === img.id ? ' dragging' : ''}`}
              draggable
              onDragStart={(e) => {
                e.dataTransfer.setData(IMAGE_DRAG, img.id);
                e.dataTransfer.effectAllowed = 'move';
                setDragID(img.id);
              }}
              onDragEnd={() => setDragID(null)}
              onDragOver={(e) => {
                if (e.dataTransfer.types.includes(IMAGE_DRAG)) {
                  e.preventDefault();
                  e.dataTransfer.dropEffect = 'move';
                }
              }}
              onDrop={(e) => {
                const id = e.dataTransfer.getData(IMAGE_DRAG);
                if (!id) return;
                e.preventDefault();
                e.stopPropagation();
                setDragID(null);
                move(
                  images.findIndex((x) => x.id === id),
                  i,
                );
              }}
            >
              <ImageRow
                image={img}
                index={i}
                count={images.length}
                onMove={move}
                onProblem={setProblem}
              />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function ImageRow({
  image,
  index,
  count,
  onMove,
  onProblem,
}: {
  image: ImageDetail;
  index: number;
  count: number;
  onMove: (from: number, to: number) => void;
  onProblem: (p: string | null) => void;
}) {
  const uid = useId();
  const [alt, setAlt] = useState(image.alt);
  const [saved, setSaved] = useState(image.alt);
  const [state, setState] = useState<'' | 'saving' | 'saved' | 'error'>('');
  const [update] = useMutation(UPDATE_IMAGE);
  const [remove, removing] = useMutation(DELETE_IMAGE);
  const f = image.image;

  const saveAlt = async () => {
    if (alt === saved) return;
    setState('saving');
    try {
      await update({ variables: { id: image.id, alt } });
      setSaved(alt);
      setState('saved');
    } catch (err) {
      setState('error');
      onProblem(`The alt text could not be saved: ${problemsOf(err)[0]?.message}`);
    }
  };
  const doDelete = async () => {
    try {
      await remove({
        variables: { id: image.id },
        // Gone from the cache, so from the product's list (a dangling reference is left out).
        update(cache) {
          cache.evict({ id: cache.identify({ __typename: 'ProductImage', id: image.id }) });
          cache.gc();
        },
      });
    } catch (err) {
      onProblem(`The image could not be deleted: ${problemsOf(err)[0]?.message}`);
    }
  };

  return (
    <>
      <span className="handle" aria-hidden="true" title="Drag to reorder">
        ⠿
      </span>
      <a href={f.url} target="_blank" rel="noreferrer" className="thumb-link" aria-label={`Open the original of image ${index + 1}`}>
        <Thumb thumb={f.thumb} placeholder={f.placeholder} alt={alt} />
      </a>
      <div className="image-meta">
        <p className="image-name" title={f.name}>
          {f.name}
        </p>
        <p className="muted small">
          {f.width && f.height ? `${f.width} × ${f.height}` : 'size unknown'} · {humanSize(f.size)} · {f.contentType}
        </p>
        <div className="field inline">
          <label htmlFor={`${uid}-alt`}>Alt text</label>
          <input
            id={`${uid}-alt`}
            type="text"
            value={alt}
            placeholder="What the image shows"
            onChange={(e) => {
              setAlt(e.target.value);
              setState('');
            }}
            onBlur={saveAlt}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                saveAlt();
              }
            }}
            aria-describedby={`${uid}-alt-state`}
          />
          <span id={`${uid}-alt-state`} className="alt-state small" role="status">
            {state === 'saving' ? 'Saving…' : state === 'saved' ? 'Saved' : state === 'error' ? 'Not saved' : ''}
          </span>
        </div>
      </div>
      <div className="image-actions">
        <span className="position small muted">
          {index + 1} of {count}
        </span>
        <button type="button" className="button small" disabled={index === 0} onClick={() => onMove(index, index - 1)}>
          Move up
        </button>
        <button type="button" className="button small" disabled={index === count - 1} onClick={() => onMove(index, index + 1)}>
          Move down
        </button>
        <button type="button" className="button small danger" disabled={removing.loading} onClick={doDelete}>
          Delete image
        </button>
      </div>
    </>
  );
}
