import { useApolloClient, useQuery } from '@apollo/client/react';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { Reference } from '@apollo/client';
import { ADD_IMAGE, UPLOAD_RULES, type ProductDetail } from './api';
import { checkImageFile, type UploadRule } from './fileCheck';
import { isAbort, problemsOf } from './errors';
import { toStart, uploadReducer, type UploadItem } from './uploadQueue';
import type { UploadProgress } from './xhrFetch';

/** TARGET is the upload rule that product images follow. */
export const TARGET = 'ProductImage.image';

/** CONCURRENT is how many files go up at once (one request each). */
const CONCURRENT = 2;

let nextID = 0;

/** ImageUploads is what the page needs of the upload queue. */
export interface ImageUploads {
  items: UploadItem[];
  rule: UploadRule | undefined;
  add(files: Iterable<File>): void;
  cancel(id: string): void;
  retry(id: string): void;
  remove(id: string): void;
  clearFinished(): void;
}

const decode = (file: Blob) => createImageBitmap(file);

/**
 * useImageUploads checks each added file against the server's rule for product images (a refused
 * file is never sent), then sends the others one request per file (addProductImage) with their
 * progress, CONCURRENT at a time; a sent file refreshes the product.
 */
export function useImageUploads(productID: string): ImageUploads {
  const client = useApolloClient();
  const { data: rules } = useQuery(UPLOAD_RULES, { fetchPolicy: 'cache-first' });
  const rule = rules?.uploadRules.find((r) => r.target === TARGET);
  const [items, dispatch] = useReducer(uploadReducer<File>, []);
  const controllers = useRef(new Map<string, AbortController>());
  const checking = useRef(new Set<string>());

  // Check the files waiting for it, once the rule is known.
  useEffect(() => {
    if (!rule) return;
    for (const item of items) {
      if (item.status.kind !== 'checking' || checking.current.has(item.id)) continue;
      checking.current.add(item.id);
      checkImageFile(rule, item.file, decode).then((refusal) => dispatch({ type: 'checked', id: item.id, refusal }));
    }
  }, [items, rule]);

  // Start what may start.
  useEffect(() => {
    for (const id of toStart(items, CONCURRENT)) {
      if (controllers.current.has(id)) continue;
      const item = items.find((i) => i.id === id);
      if (!item) continue;
      const controller = new AbortController();
      controllers.current.set(id, controller);
      dispatch({ type: 'start', id });
      const onUploadProgress: UploadProgress = (loaded, total) => dispatch({ type: 'progress', id, loaded, total: total || item.size });
      client
        .mutate({
          mutation: ADD_IMAGE,
          variables: { productID, image: item.file },
          context: { fetchOptions: { signal: controller.signal, onUploadProgress } },
          // The new image goes at the end of the product's list (the server puts it after the last).
          update(cache, { data }) {
            if (!data) return;
            cache.modify<ProductDetail>({
              id: cache.identify({ __typename: 'Product', id: productID }),
              fields: {
                images: (refs, { toReference }) => {
                  const ref = toReference({ __typename: 'ProductImage', id: data.addProductImage.id });
                  const list = refs as readonly Reference[];
                  return ref && !list.some((r) => r.__ref === ref.__ref) ? [...list, ref] : list;
                },
              },
            });
          },
        })
        .then(() => dispatch({ type: 'succeed', id }))
        .catch((err: unknown) => {
          if (controller.signal.aborted || isAbort(err)) return; // already marked cancelled
          const p = problemsOf(err)[0];
          dispatch({ type: 'fail', id, code: p?.code ?? 'ERROR', message: p?.message ?? 'the upload failed' });
        })
        .finally(() => controllers.current.delete(id));
    }
  }, [items, client, productID]);

  // Leaving the page cancels what is still going up.
  useEffect(() => {
    const map = controllers.current;
    return () => map.forEach((c) => c.abort());
  }, []);

  const add = useCallback((files: Iterable<File>) => {
    const list = [...files].map((file) => ({ id: `u${++nextID}`, file, name: file.name, size: file.size }));
    if (list.length > 0) dispatch({ type: 'add', items: list });
  }, []);
  const cancel = useCallback((id: string) => {
    dispatch({ type: 'cancel', id });
    controllers.current.get(id)?.abort();
  }, []);
  const retry = useCallback((id: string) => dispatch({ type: 'retry', id }), []);
  const remove = useCallback((id: string) => dispatch({ type: 'remove', id }), []);
  const clearFinished = useCallback(() => dispatch({ type: 'clearFinished' }), []);
  return { items, rule, add, cancel, retry, remove, clearFinished };
}
