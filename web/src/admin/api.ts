// The GraphQL operations the admin runs, and the shapes of their answers.
import { gql, type TypedDocumentNode } from '@apollo/client';
import type { UploadRule } from './fileCheck';

export interface Variant {
  url: string;
  width: number;
  height: number;
}

export interface ProductRow {
  id: string;
  name: string;
  price: string;
  createdAt: string;
  images: { id: string; image: { placeholder: string | null; thumb: Variant | null } }[];
}

export interface ProductsData {
  products: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
    edges: { cursor: string; node: ProductRow }[] | null;
  };
}

export const PRODUCTS: TypedDocumentNode<ProductsData, Record<string, unknown>> = gql`
  query AdminProducts($first: Int, $last: Int, $after: Cursor, $before: Cursor, $orderBy: ProductOrder, $where: ProductWhereInput) {
    products(first: $first, last: $last, after: $after, before: $before, orderBy: $orderBy, where: $where) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        node {
          id name price createdAt
          images { id image { placeholder thumb: variant(name: "thumb") { url width height } } }
        }
      }
    }
  }
`;

export interface ImageDetail {
  id: string;
  alt: string;
  position: number;
  image: {
    url: string;
    name: string;
    size: number;
    contentType: string;
    width: number | null;
    height: number | null;
    placeholder: string | null;
    thumb: Variant | null;
  };
}

export interface ProductDetail {
  id: string;
  name: string;
  description: string;
  price: string;
  createdAt: string;
  updatedAt: string;
  images: ImageDetail[];
}

const IMAGE_FIELDS = `
  id alt position
  image { url name size contentType width height placeholder thumb: variant(name: "thumb") { url width height } }
`;

export const PRODUCT: TypedDocumentNode<{ product: ProductDetail | null }, { id: string }> = gql`
  query AdminProduct($id: ID!) {
    product(id: $id) { id name description price createdAt updatedAt images { ${IMAGE_FIELDS} } }
  }
`;

export interface ProductInput {
  name: string;
  description: string;
  price: string;
}

export const CREATE_PRODUCT: TypedDocumentNode<{ createProduct: { id: string } }, { input: ProductInput }> = gql`
  mutation AdminCreateProduct($input: CreateProductInput!) { createProduct(input: $input) { id name description price } }
`;

export const UPDATE_PRODUCT: TypedDocumentNode<{ updateProduct: { id: string } }, { id: string; input: ProductInput }> = gql`
  mutation AdminUpdateProduct($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id name description price updatedAt } }
`;

export const DELETE_PRODUCT: TypedDocumentNode<{ deleteProduct: string }, { id: string }> = gql`
  mutation AdminDeleteProduct($id: ID!) { deleteProduct(id: $id) }
`;

export const ADD_IMAGE: TypedDocumentNode<{ addProductImage: ImageDetail }, { productID: string; image: File }> = gql`
  mutation AdminAddProductImage($productID: ID!, $image: Upload!) { addProductImage(productID: $productID, image: $image) { ${IMAGE_FIELDS} } }
`;

export const UPDATE_IMAGE: TypedDocumentNode<{ updateProductImage: { id: string; alt: string; position: number } }, { id: string; alt?: string; position?: number }> = gql`
  mutation AdminUpdateProductImage($id: ID!, $alt: String, $position: Int) { updateProductImage(id: $id, alt: $alt, position: $position) { id alt position } }
`;

export const DELETE_IMAGE: TypedDocumentNode<{ deleteProductImage: string }, { id: string }> = gql`
  mutation AdminDeleteProductImage($id: ID!) { deleteProductImage(id: $id) }
`;

export const UPLOAD_RULES: TypedDocumentNode<{ uploadRules: UploadRule[] }, Record<string, never>> = gql`
  query AdminUploadRules { uploadRules { target contentTypes extensions maxBytes minWidth minHeight maxPixels } }
`;

/** PROBE_TOKEN is a write that changes nothing (no image has id 0): 401 without a valid token, NOT_FOUND with one. */
export const PROBE_TOKEN: TypedDocumentNode<{ deleteProductImage: string }, Record<string, never>> = gql`
  mutation AdminSignIn { deleteProductImage(id: "0") }
`;

export interface DocumentRow {
  id: string;
  title: string;
  createdAt: string;
  file: { url: string; name: string; size: number; contentType: string };
  image: { url: string; placeholder: string | null; thumb: Variant | null } | null;
}

export interface DocumentsData {
  documents: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: DocumentRow }[] | null;
  };
}

const DOCUMENT_FIELDS = `
  id title createdAt
  file { url name size contentType }
  image { url placeholder thumb: variant(name: "thumb") { url width height } }
`;

export const DOCUMENTS: TypedDocumentNode<DocumentsData, { first: number; after?: string | null; where?: Record<string, unknown> | null }> = gql`
  query AdminDocuments($first: Int, $after: Cursor, $where: DocumentWhereInput) {
    documents(first: $first, after: $after, where: $where, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ${DOCUMENT_FIELDS} } }
    }
  }
`;

export const CREATE_DOCUMENT: TypedDocumentNode<{ createDocument: DocumentRow }, { input: { title: string; file: File; image?: File | null } }> = gql`
  mutation AdminCreateDocument($input: CreateDocumentInput!) { createDocument(input: $input) { ${DOCUMENT_FIELDS} } }
`;

export const DELETE_DOCUMENT: TypedDocumentNode<{ deleteDocument: string }, { id: string }> = gql`
  mutation AdminDeleteDocument($id: ID!) { deleteDocument(id: $id) }
`;
