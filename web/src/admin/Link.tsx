import type { AnchorHTMLAttributes } from 'react';
import { onLinkClick } from './navigation';

/** Link is an <a> that navigates within the admin. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return <a {...props} onClick={onLinkClick} />;
}
