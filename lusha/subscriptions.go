package lusha

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// CreateSubscriptions subscribes to the signals of 1–25 entities. Items fail one by
// one (duplicates, validation) inside a 201; check each result.
func (c *Client) CreateSubscriptions(ctx context.Context, req CreateSubscriptionsRequest) (*CreateSubscriptionsResponse, *Response, error) {
	const op = "create subscriptions"
	if err := checkCount(op, "subscriptions", len(req.Subscriptions), 1, MaxSubscriptionBatch); err != nil {
		return nil, nil, err
	}
	out := new(CreateSubscriptionsResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/api/subscriptions", req, out)
	return answer(out, resp, err)
}

// ListSubscriptionsPage returns one page of subscriptions, newest first.
func (c *Client) ListSubscriptionsPage(ctx context.Context, limit, offset int) (*SubscriptionList, *Response, error) {
	const op = "list subscriptions"
	if err := checkListPage(op, limit, offset); err != nil {
		return nil, nil, err
	}
	return getJSON[SubscriptionList](ctx, c, op, "/api/subscriptions?"+listQuery(nil, limit, offset))
}

// Subscriptions yields every subscription, newest first, fetching pageSize at a time
// (0 means the most Lusha allows). It stops after the first error, which it yields.
func (c *Client) Subscriptions(ctx context.Context, pageSize int) iter.Seq2[Subscription, error] {
	return paginate(pageSize, func(limit, offset int) ([]Subscription, ListPage, error) {
		page, _, err := c.ListSubscriptionsPage(ctx, limit, offset)
		if err != nil {
			return nil, ListPage{}, err
		}
		return page.Data, page.Pagination, nil
	})
}

// Subscription returns one subscription (without secret).
func (c *Client) Subscription(ctx context.Context, id string) (*Subscription, *Response, error) {
	const op = "get subscription"
	if id == "" {
		return nil, nil, invalidRequest(op, "subscription id is empty")
	}
	return getJSON[Subscription](ctx, c, op, "/api/subscriptions/"+url.PathEscape(id))
}

// UpdateSubscription changes a subscription; see UpdateSubscriptionRequest.
func (c *Client) UpdateSubscription(ctx context.Context, id string, req UpdateSubscriptionRequest) (*Subscription, *Response, error) {
	const op = "update subscription"
	if id == "" {
		return nil, nil, invalidRequest(op, "subscription id is empty")
	}
	out := new(Subscription)
	resp, err := c.do(ctx, op, http.MethodPatch, "/api/subscriptions/"+url.PathEscape(id), req, out)
	return answer(out, resp, err)
}

// DeleteSubscriptions deletes 1–25 subscriptions for good; unknown ids fail one by one.
func (c *Client) DeleteSubscriptions(ctx context.Context, ids []string) (*DeleteSubscriptionsResponse, *Response, error) {
	const op = "delete subscriptions"
	if err := checkCount(op, "ids", len(ids), 1, MaxSubscriptionBatch); err != nil {
		return nil, nil, err
	}
	out := new(DeleteSubscriptionsResponse)
	resp, err := c.do(ctx, op, http.MethodPost, "/api/subscriptions/delete", map[string][]string{"ids": ids}, out)
	return answer(out, resp, err)
}

// TestSubscription sends a free mock event to the subscription's URL; mode is one of
// the TestMode constants ("" means full).
func (c *Client) TestSubscription(ctx context.Context, id, mode string) (*SubscriptionTest, *Response, error) {
	const op = "test subscription"
	if id == "" {
		return nil, nil, invalidRequest(op, "subscription id is empty")
	}
	path := "/api/subscriptions/" + url.PathEscape(id) + "/test"
	if mode != "" {
		path += "?" + url.Values{"mode": {mode}}.Encode()
	}
	out := new(SubscriptionTest)
	resp, err := c.do(ctx, op, http.MethodPost, path, nil, out)
	return answer(out, resp, err)
}

// AuditLogsPage returns one page of delivery attempts, newest first.
func (c *Client) AuditLogsPage(ctx context.Context, q AuditLogQuery, offset int) (*AuditLogs, *Response, error) {
	const op = "audit logs"
	if err := checkListPage(op, q.PageSize, offset); err != nil {
		return nil, nil, err
	}
	filter := url.Values{}
	if q.SubscriptionID != "" {
		filter.Set("subscriptionId", q.SubscriptionID)
	}
	if q.Status != "" {
		filter.Set("status", q.Status)
	}
	return getJSON[AuditLogs](ctx, c, op, "/api/audit-logs?"+listQuery(filter, q.PageSize, offset))
}

// AuditLogs yields every delivery attempt matching q, newest first.
func (c *Client) AuditLogs(ctx context.Context, q AuditLogQuery) iter.Seq2[AuditLogEntry, error] {
	return paginate(q.PageSize, func(limit, offset int) ([]AuditLogEntry, ListPage, error) {
		q.PageSize = limit
		page, _, err := c.AuditLogsPage(ctx, q, offset)
		if err != nil {
			return nil, ListPage{}, err
		}
		return page.Data, page.Pagination, nil
	})
}

// AuditLogStats counts deliveries, of one subscription when subscriptionID is set.
func (c *Client) AuditLogStats(ctx context.Context, subscriptionID string) (*AuditLogStats, *Response, error) {
	path := "/api/audit-logs/stats"
	if subscriptionID != "" {
		path += "?" + url.Values{"subscriptionId": {subscriptionID}}.Encode()
	}
	return getJSON[AuditLogStats](ctx, c, "audit log stats", path)
}

// AccountSecret returns the webhook signing secret; a 404 (upstream.ClassInvalid) means
// none was generated yet.
func (c *Client) AccountSecret(ctx context.Context) (Secret, *Response, error) {
	out, resp, err := getJSON[secretAnswer](ctx, c, "account secret", "/api/account/secret")
	if err != nil {
		return "", resp, err
	}
	return out.Secret, resp, nil
}

// RegenerateAccountSecret creates or replaces the secret; the old one stops working
// at once for every subscription.
func (c *Client) RegenerateAccountSecret(ctx context.Context) (Secret, *Response, error) {
	out := new(secretAnswer)
	resp, err := c.do(ctx, "regenerate account secret", http.MethodPost, "/api/account/secret/regenerate", nil, out)
	if err != nil {
		return "", resp, err
	}
	return out.Secret, resp, nil
}

// CreateOptOutSubscription subscribes url to the account's opt-out events (one per
// account; a second is a 403). EntityType defaults to "contact".
func (c *Client) CreateOptOutSubscription(ctx context.Context, req CreateOptOutSubscriptionRequest) (*Subscription, *Response, error) {
	if req.EntityType == "" {
		req.EntityType = EntityContact
	}
	out := new(Subscription)
	resp, err := c.do(ctx, "create opt-out subscription", http.MethodPost, "/api/subscriptions/opt-out", req, out)
	return answer(out, resp, err)
}

// paginate walks a limit/offset list until Lusha says there is no more.
func paginate[T any](pageSize int, fetch func(limit, offset int) ([]T, ListPage, error)) iter.Seq2[T, error] {
	if pageSize <= 0 || pageSize > MaxListLimit {
		pageSize = MaxListLimit
	}
	return func(yield func(T, error) bool) {
		offset := 0
		for {
			items, page, err := fetch(pageSize, offset)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if !page.HasMore || len(items) == 0 {
				return
			}
			offset += len(items)
		}
	}
}

func checkListPage(op string, limit, offset int) error {
	if limit != 0 {
		if err := checkCount(op, "as limit", limit, 1, MaxListLimit); err != nil {
			return err
		}
	}
	if offset < 0 {
		return invalidRequest(op, "offset is negative")
	}
	return nil
}

func listQuery(v url.Values, limit, offset int) string {
	if v == nil {
		v = url.Values{}
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	v.Set("offset", strconv.Itoa(offset))
	return v.Encode()
}
