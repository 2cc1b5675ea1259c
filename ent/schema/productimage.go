package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ProductImage is one image of a product, stored under products/images/.
type ProductImage struct {
	ent.Schema
}

// Fields of the ProductImage.
func (ProductImage) Fields() []ent.Field {
	return append([]ent.Field{
		field.Int("product_id").
			Immutable().
			Annotations(entgql.Skip()),
		field.String("alt").
			Default("").
			Validate(maxRunes(1000)).
			SchemaType(varchar(1000)),
		field.Int("position").
			Default(0),
		field.Time("created_at").
			Default(time.Now).
			Immutable(),
	}, mediaFileFields("image", false)...)
}

// Edges of the ProductImage.
func (ProductImage) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("product", Product.Type).
			Ref("images").
			Field("product_id").
			Unique().
			Required().
			Immutable(),
	}
}

// Indexes of the ProductImage.
func (ProductImage) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("product_id", "position"),
		index.Fields("image_path").Unique(),
	}
}
