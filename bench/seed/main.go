// Command seed fills a GraphQL system under test (mediagraph or a Node peer:
// the same createProduct and addProductImages mutations) with products and
// images through its API, then checks that the list query answers a full
// page. The Django peer is seeded by its own tools/seed.py.
//
//	go run ./bench/seed -url http://127.0.0.1:PORT/query -image seed.png [-products 1000] [-images 3] [-list QUERY]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

var client = &http.Client{Timeout: 60 * time.Second}

func main() {
	url := flag.String("url", "", "GraphQL endpoint")
	imgPath := flag.String("image", "", "image file uploaded for every image")
	products := flag.Int("products", 1000, "products to create")
	per := flag.Int("images", 3, "images per product (one addProductImages request)")
	conc := flag.Int("c", 4, "concurrent requests")
	list := flag.String("list", "", "list query to check afterwards (prints products and images on the page)")
	flag.Parse()
	log.SetFlags(0)
	img, err := os.ReadFile(*imgPath)
	if err != nil {
		log.Fatal(err)
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, *conc)
	for i := range *products {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out := post(*url, "application/json", jsonBody(fmt.Sprintf(
				`mutation { createProduct(input: {name: "Seed %04d", description: "Seeded product number %d for the list benchmark.", price: "%d.99"}) { id } }`, i, i, i%500)))
			var created struct {
				Data struct{ CreateProduct struct{ ID string } }
			}
			must(json.Unmarshal(out, &created))
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			nulls, m := "", ""
			for k := range *per {
				if k > 0 {
					nulls, m = nulls+",", m+","
				}
				nulls += "null"
				m += fmt.Sprintf(`"%d":["variables.images.%d"]`, k, k)
			}
			mw.WriteField("operations", fmt.Sprintf(`{"query":"mutation($id: ID!, $images: [Upload!]!) { addProductImages(productID: $id, images: $images) { id } }","variables":{"id":%q,"images":[%s]}}`, created.Data.CreateProduct.ID, nulls))
			mw.WriteField("map", "{"+m+"}")
			for k := range *per {
				w, _ := mw.CreateFormFile(strconv.Itoa(k), "seed.png")
				w.Write(img)
			}
			mw.Close()
			post(*url, mw.FormDataContentType(), buf.Bytes())
		})
	}
	wg.Wait()
	fmt.Printf("seeded %d products × %d images in %.1f s", *products, *per, time.Since(t0).Seconds())
	if *list != "" {
		raw := post(*url, "application/json", jsonBody(*list))
		var page struct {
			Data struct {
				Products json.RawMessage
			}
		}
		must(json.Unmarshal(raw, &page))
		// Either a Relay connection (edges { node }) or a plain list.
		var conn struct {
			Edges []struct{ Node struct{ Images []any } }
		}
		var plain []struct{ Images []any }
		n, imgs := 0, 0
		if json.Unmarshal(page.Data.Products, &conn) == nil && conn.Edges != nil {
			for _, e := range conn.Edges {
				n, imgs = n+1, imgs+len(e.Node.Images)
			}
		} else if json.Unmarshal(page.Data.Products, &plain) == nil {
			for _, p := range plain {
				n, imgs = n+1, imgs+len(p.Images)
			}
		}
		fmt.Printf("; list page: %d products, %d images, %d bytes", n, imgs, len(raw))
		if n != 50 {
			fmt.Println()
			log.Fatalf("list page holds %d products, not 50: %.300s", n, raw)
		}
	}
	fmt.Println()
}

func jsonBody(q string) []byte {
	b, _ := json.Marshal(map[string]string{"query": q})
	return b
}

// post sends a request and fails on a transport error, a non-2xx status or
// a GraphQL error.
func post(url, ct string, body []byte) []byte {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Apollo-Require-Preflight", "1")
	resp, err := client.Do(req)
	must(err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 || bytes.Contains(raw, []byte(`"errors"`)) {
		log.Fatalf("POST %s: %d %.500s", url, resp.StatusCode, raw)
	}
	return raw
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
